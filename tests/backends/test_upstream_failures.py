"""The shared status table and message cleaner that every HTTP kind's failures go through."""

from __future__ import annotations

import pytest

from hpc_jupyter.backends.failures import MAX_MESSAGE, clean_message, upstream_error
from hpc_jupyter.errors import FacilityError, NotFound, RateLimited, ValidationError

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdW4iOiJhZGEiLCJleHAiOjE3fQ.q1w2e3r4t5y6u7i8o9p0"


@pytest.mark.parametrize(
    ("said", "shown"),
    [
        ("denied for Bearer abc.def-123", "denied for Bearer [redacted]"),
        (f"token {JWT} expired", "token [redacted] expired"),
        (
            "grant failed: access_token=s3cr3t&expires_in=300",
            "grant failed: access_token=[redacted]&expires_in=300",
        ),
        (
            '{"refresh_token": "r3fr3sh", "ok": false}',
            '{"refresh_token": "[redacted]", "ok": false}',
        ),
        ("X-SLURM-USER-TOKEN: abc123 rejected", "X-SLURM-USER-TOKEN: [redacted] rejected"),
        ("GET /files?path=/x&token=abc123 failed", "GET /files?path=/x&token=[redacted] failed"),
        ("client_secret=hunter2", "client_secret=[redacted]"),
        # the words around a token are kept: they are what the user needs
        ("Invalid token: signature has expired", "Invalid token: signature has expired"),
        (
            "Access token expires too soon (less than 30s remaining).",
            "Access token expires too soon (less than 30s remaining).",
        ),
    ],
)
def test_anything_token_like_is_redacted(said: str, shown: str) -> None:
    assert clean_message(said) == shown


def test_a_message_is_one_bounded_line() -> None:
    assert clean_message("  first line \n second line with Bearer xyz\n") == "first line"
    assert len(clean_message("x" * 5000)) == MAX_MESSAGE
    assert clean_message("   \n") == ""


def test_a_token_cut_in_half_by_the_bound_is_redacted_first() -> None:
    cleaned = clean_message("x" * (MAX_MESSAGE - 20) + " " + JWT)
    assert JWT[:20] not in cleaned


def test_the_table_and_a_kinds_own_phrases() -> None:
    where = "The API of facility 'f'"
    missing = upstream_error(404, "no such path", where=where, facility="f")
    assert isinstance(missing, NotFound)
    assert (
        missing.message == "The API of facility 'f' found no such file, system or job: no such path"
    )

    limited = upstream_error(429, "", where=where, facility="f")
    assert isinstance(limited, RateLimited) and limited.upstream_status == 429
    assert limited.message == "The API of facility 'f' is rate limiting requests; try again later."

    too_big = upstream_error(
        413, "", where=where, phrases={413: (ValidationError, "{where} says no{said}")}
    )
    assert isinstance(too_big, ValidationError) and too_big.message == f"{where} says no."

    teapot = upstream_error(418, f"Bearer {JWT}", where=where, facility="f")
    assert type(teapot) is FacilityError
    assert teapot.message == f"{where} failed (HTTP 418): Bearer [redacted]"
    assert JWT not in teapot.excerpt
