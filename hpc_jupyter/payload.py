"""A JSON answer serialized once, with the entity tag that names its bytes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Payload:
    """The bytes of a JSON answer and their strong `ETag` (a hash of the bytes, quoted)."""

    body: bytes
    etag: str

    @classmethod
    def of(cls, data: Any) -> Payload:
        """`data` as `json.dumps` writes it (as every handler does), tagged by its content.

        The tag is a hash of the bytes: two answers with the same bytes share their tag, and any
        change of a byte (a job's state, a listing turning stale) gives a new one.
        """
        body = json.dumps(data).encode()
        digest = hashlib.blake2b(body, digest_size=16).hexdigest()
        return cls(body, f'"{digest}"')
