"""Every OS error the local files backend can meet is phrased for a person, with a 4xx status
where the user can act on it, and never repeats more than a short prefix of the path."""

from __future__ import annotations

import errno
import os

import pytest

from hpc_jupyter.backends.local.files import _os_error

LONG_PATH = "dir/" * 5000 + "file.txt"


@pytest.mark.parametrize(
    ("code", "status", "words"),
    [
        (errno.ENOENT, 404, "No such file"),
        (errno.EEXIST, 409, "already exists"),
        (errno.ENOTEMPTY, 409, "not empty"),
        (errno.EACCES, 403, "Permission denied"),
        (errno.EPERM, 403, "Permission denied"),
        (errno.EROFS, 403, "read-only"),
        (errno.ENOTDIR, 400, "not a directory"),
        (errno.EISDIR, 400, "is a directory"),
        (errno.ENAMETOOLONG, 400, "too long"),
        (errno.ELOOP, 400, "loop"),
        (errno.EINVAL, 400, "invalid"),
        (errno.EXDEV, 400, "another filesystem"),
        (errno.EMLINK, 409, "as many entries or links"),
        (errno.ENOSPC, 413, "No space"),
        (errno.EDQUOT, 413, "quota"),
        (errno.EFBIG, 413, "larger than this filesystem allows"),
    ],
)
def test_an_os_error_is_a_clear_answer(code: int, status: int, words: str) -> None:
    error = _os_error(OSError(code, os.strerror(code)), LONG_PATH)
    assert error.status == status
    assert words in error.message
    assert len(error.message) < 200
    assert "dir/dir/" in error.message  # the start of the path, to recognise it
