"""An identity service that times out or cannot be reached, as the API's 504 and 502."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from ..errors import Unavailable, UpstreamTimeout


@contextmanager
def reaching(where: str, facility: str = "", at: str = "") -> Iterator[None]:
    """Run an HTTP call to `where` ("The token service of facility 'x'"), mapping its failures.

    A timeout becomes `UpstreamTimeout`, any other transport failure `Unavailable`; `at` adds
    the address to the second ("cannot be reached at URL"). The httpx error is dropped: its
    text can hold the request's URL, and so a secret in a query.
    """
    try:
        yield
    except httpx.TimeoutException:
        raise UpstreamTimeout(f"{where} did not answer in time.", facility=facility) from None
    except httpx.TransportError:
        place = f" at {at}" if at else ""
        raise Unavailable(f"{where} cannot be reached{place}.", facility=facility) from None
