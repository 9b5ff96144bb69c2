"""Following a job's log through a facility's files: text from a byte offset, whole characters."""

from __future__ import annotations

import codecs

from ..errors import NotFound
from ..models import Job, LogStream, OutputChunk
from .base import FileBackend


async def read_log(
    files: FileBackend, system: str, path: str, offset: int, max_bytes: int, final: bool
) -> OutputChunk:
    """Read up to `max_bytes` of `path` from `offset`; `final` says the job has ended.

    A log that does not exist yet reads as empty. A UTF-8 character cut by the end of the
    read is left for the next call (the returned offset stops before it), so a follower never
    shows half a character; the log is complete once the job has ended and all of it was read.
    """
    try:
        stream = await files.open_read(system, path, offset, max_bytes)
    except NotFound:
        return OutputChunk(data="", offset=offset, complete=final)
    data = bytearray()
    async for chunk in stream.chunks:
        data += chunk
    return log_chunk(bytes(data), offset, at_end=len(data) < max_bytes, final=final)


async def read_job_log(
    files: FileBackend, system: str, job: Job, stream: LogStream, offset: int, max_bytes: int
) -> OutputChunk:
    """A job's `stream` through the facility's files; empty until the job names its log."""
    path = job.stdout if stream == "stdout" else job.stderr
    if not path:
        return OutputChunk(data="", offset=offset, complete=job.state.is_final)
    return await read_log(files, system, path, offset, max_bytes, job.state.is_final)


def log_chunk(data: bytes, offset: int, *, at_end: bool, final: bool) -> OutputChunk:
    """Bytes read from `offset` as text; `at_end`: nothing follows them; `final`: the job ended.

    A UTF-8 character cut by the end of `data` stays for the next read unless the log is over.
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    text = decoder.decode(data, final=False)
    pending = len(decoder.getstate()[0])
    next_offset = offset + len(data) - pending
    if final and at_end and pending:
        text += decoder.decode(b"", final=True)  # the log ends in a truncated character
        next_offset += pending
    return OutputChunk(data=text, offset=next_offset, complete=final and at_end)
