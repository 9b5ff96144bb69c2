"""The local facility's files: a directory tree on this machine, confined to a root."""

from __future__ import annotations

import asyncio
import errno
import grp
import hashlib
import os
import pwd
import shutil
import stat as statmod
from collections.abc import AsyncIterator, Callable
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, TypeVar

from ...errors import Conflict, HPCError, NotFound, PermissionDenied, TooLarge, ValidationError
from ...inputs import shown
from ...models import MAX_EXCERPT_BYTES, Capability, FileEntry, FileType
from ..base import FileBackend, ReadStream, UploadSink
from . import upload_temps
from .paths import RootedPaths, ends_in_a_name

CHUNK_SIZE = 1024 * 1024
TAIL_BLOCK = 64 * 1024
_T = TypeVar("_T")


@lru_cache(maxsize=256)
def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


@lru_cache(maxsize=256)
def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def _described(real: str, name: str, path: str) -> FileEntry:
    """The entry of the file at `real` (not following a final link), named and shown as given."""
    info = os.lstat(real)
    return FileEntry(
        name=name,
        path=path,
        type=_file_type(info.st_mode),
        size=info.st_size,
        permissions=statmod.filemode(info.st_mode),
        user=_user_name(info.st_uid),
        group=_group_name(info.st_gid),
        modified=info.st_mtime,
        link_target=os.readlink(real) if statmod.S_ISLNK(info.st_mode) else None,
    )


def _file_type(mode: int) -> FileType:
    if statmod.S_ISLNK(mode):
        return FileType.LINK
    if statmod.S_ISDIR(mode):
        return FileType.DIRECTORY
    if statmod.S_ISREG(mode):
        return FileType.FILE
    return FileType.OTHER


_OS_ERRORS: dict[int, tuple[type[HPCError], str]] = {
    errno.ENOENT: (NotFound, "No such file or directory: {name}."),
    errno.EEXIST: (Conflict, "{name} already exists or is not empty."),
    errno.ENOTEMPTY: (Conflict, "{name} already exists or is not empty."),
    errno.EACCES: (PermissionDenied, "Permission denied: {name}."),
    errno.EPERM: (PermissionDenied, "Permission denied: {name}."),
    errno.EROFS: (PermissionDenied, "{name} is on a read-only filesystem."),
    errno.ENOTDIR: (ValidationError, "{name}: a part of this path is not a directory."),
    errno.EISDIR: (ValidationError, "{name} is a directory."),
    errno.ENAMETOOLONG: (ValidationError, "{name}: the path or one of its names is too long."),
    errno.ELOOP: (ValidationError, "{name} goes through a loop of symbolic links."),
    errno.EINVAL: (ValidationError, "{name}: the filesystem refused this as invalid."),
    errno.EXDEV: (
        ValidationError,
        "{name}: cannot be moved to another filesystem; copy it instead.",
    ),
    errno.EMLINK: (Conflict, "{name}: its directory holds as many entries or links as it can."),
    errno.ENOSPC: (TooLarge, "No space left (or the disk quota is used up) for {name}."),
    errno.EDQUOT: (TooLarge, "No space left (or the disk quota is used up) for {name}."),
    errno.EFBIG: (TooLarge, "{name} would be larger than this filesystem allows."),
}
"""What an OSError means to a user, by errno; the message names the user's path only."""


def _os_error(err: OSError, path: str) -> HPCError:
    """An OSError as the error a user understands; the message names the user's path only."""
    name, code = shown(path), err.errno or 0
    error, message = _OS_ERRORS.get(code, (HPCError, "{name}: " + os.strerror(code) + "."))
    return error(message.format(name=name))


class LocalFiles(FileBackend):
    """Files under `root`, every path checked by `RootedPaths`.

    All filesystem work, resolving paths included (following links is filesystem work, and
    slow on a long path), runs in a thread: the event loop only waits for it.
    """

    capabilities = FileBackend.capabilities | {
        Capability.FILES_HEAD_TAIL,
        Capability.FILES_CHECKSUM,
        Capability.FILES_CHOWN,
    }

    def __init__(self, root: Path) -> None:
        self.paths = RootedPaths(root)
        self.umask = _umask()

    async def _run(self, path: str, func: Callable[[], _T]) -> _T:
        """Run blocking filesystem work in a thread, mapping OS errors to ours."""
        try:
            return await asyncio.to_thread(func)
        except OSError as err:
            raise _os_error(err, path) from None

    async def sweep_uploads(self) -> int:
        """Remove the temporary files that uploads cut off by a crash left; how many."""
        return await asyncio.to_thread(upload_temps.sweep, self.paths.root)

    def _entry(self, real: Path) -> FileEntry:
        name = real.name if real != self.paths.root else "."
        return _described(str(real), name, self.paths.show(real))

    async def home(self, system: str) -> str:
        return "."

    def _child(self, directory: str, shown: str, name: str) -> FileEntry:
        """The entry `name` of the real directory `directory`, shown as `shown` (blocking)."""
        path = name if shown == "." else f"{shown}/{name}"
        return _described(os.path.join(directory, name), name, path)

    async def list_dir(self, system: str, path: str) -> list[FileEntry]:
        entries, _ = await self.list_page(system, path, 0, None)
        return entries

    async def list_page(
        self, system: str, path: str, offset: int, limit: int | None
    ) -> tuple[list[FileEntry], int]:
        def scan() -> tuple[list[FileEntry], int]:
            real = self.paths.existing(path)
            if not real.is_dir():
                raise ValidationError(f"{shown(path)} is not a directory.")
            # Names first, sorted; then only the page's entries are looked at (one lstat each):
            # the first rows of a huge directory cost a listdir and a sort, not a stat of all.
            # Upload temporaries are an upload in flight or a crash's leftover, not the user's.
            names = sorted(n for n in os.listdir(real) if not upload_temps.is_temp_name(n))
            end = None if limit is None else offset + limit
            directory, seen = str(real), self.paths.show(real)
            entries = []
            for name in names[offset:end]:
                try:
                    entries.append(self._child(directory, seen, name))
                except FileNotFoundError:
                    continue  # removed while we listed
            return entries, len(names)

        return await self._run(path, scan)

    async def stat(self, system: str, path: str) -> FileEntry:
        return await self._run(path, lambda: self._entry(self.paths.existing(path, follow=False)))

    async def open_read(
        self, system: str, path: str, offset: int = 0, length: int | None = None
    ) -> ReadStream:
        if offset < 0 or (length is not None and length < 0):
            raise ValidationError("offset and length must not be negative.")

        def open_file() -> tuple[BinaryIO, int]:
            handle = self._regular(path).open("rb")
            size = os.fstat(handle.fileno()).st_size
            if offset < size:  # past the end there is nothing to read: no seek (EINVAL if huge)
                handle.seek(offset)
            return handle, size

        handle, size = await self._run(path, open_file)
        available = max(0, size - offset)
        count = available if length is None else min(length, available)
        return ReadStream(length=count, chunks=self._chunks(handle, count))

    async def _chunks(self, handle: BinaryIO, count: int) -> AsyncIterator[bytes]:
        try:
            remaining = count
            while remaining > 0:
                chunk = await asyncio.to_thread(handle.read, min(CHUNK_SIZE, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                yield chunk
        finally:
            handle.close()

    async def open_upload(self, system: str, path: str) -> UploadSink:
        def start() -> LocalUpload:
            real = self.paths.resolve(path)
            # `new/` or `new/.` would otherwise write a file `new`: they name directories.
            if not ends_in_a_name(path) or real == self.paths.root or real.is_dir():
                raise ValidationError(f"{shown(path)} is a directory; give the path of a file.")
            if not real.parent.is_dir():
                raise NotFound(f"The directory of {shown(path)} does not exist; create it first.")
            return LocalUpload(self, real, path)

        return await self._run(path, start)

    async def mkdir(self, system: str, path: str, parents: bool = False) -> FileEntry:
        def make() -> FileEntry:
            real = self.paths.resolve(path)
            real.mkdir(parents=parents, exist_ok=parents)
            return self._entry(real)

        return await self._run(path, make)

    async def move(self, system: str, source: str, target: str) -> FileEntry:
        def rename() -> FileEntry:
            src = self.paths.existing(source, follow=False)
            if src == self.paths.root:
                raise PermissionDenied("The facility's root directory cannot be moved.")
            dst = self._free_target(target)
            if dst == src or src in dst.parents:
                raise ValidationError(f"Cannot move {shown(source)} into itself.")
            os.rename(src, dst)
            return self._entry(dst)

        return await self._run(source, rename)

    async def copy(self, system: str, source: str, target: str) -> FileEntry:
        def duplicate() -> FileEntry:
            src = self.paths.existing(source)
            dst = self._free_target(target)
            if src.is_dir():
                if src in dst.parents:
                    raise ValidationError(f"Cannot copy {shown(source)} into itself.")
                shutil.copytree(src, dst, symlinks=True)
            else:
                shutil.copy2(src, dst)
            return self._entry(dst)

        return await self._run(source, duplicate)

    async def delete(self, system: str, path: str, recursive: bool = False) -> None:
        def remove() -> None:
            real = self.paths.existing(path, follow=False)
            if real == self.paths.root:
                raise PermissionDenied("The facility's root directory cannot be deleted.")
            if real.is_dir() and not real.is_symlink():
                if recursive:
                    shutil.rmtree(real)
                else:
                    real.rmdir()
            else:
                real.unlink()

        await self._run(path, remove)

    async def chmod(self, system: str, path: str, mode: str) -> FileEntry:
        if (
            not isinstance(mode, str)
            or not (3 <= len(mode) <= 4)
            or not set(mode) <= set("01234567")
        ):
            raise ValidationError(
                f"Mode {shown(mode, 20)} is not an octal mode such as '755' or '0640'."
            )

        def change() -> FileEntry:
            real = self.paths.existing(path)
            real.chmod(int(mode, 8))
            return self._entry(real)

        return await self._run(path, change)

    def _regular(self, path: str) -> Path:
        """The real path of a regular file (blocking: call it in a thread)."""
        real = self.paths.existing(path)
        if real.is_dir():
            raise ValidationError(f"{shown(path)} is a directory.")
        if not real.is_file():
            raise ValidationError(f"{shown(path)} is not a regular file.")
        return real

    async def head(self, system: str, path: str, lines: int = 10) -> str:
        data = await self._run(
            path, lambda: _head_bytes(self._regular(path), lines, MAX_EXCERPT_BYTES)
        )
        return data.decode(errors="replace")

    async def tail(self, system: str, path: str, lines: int = 10) -> str:
        data = await self._run(
            path, lambda: _tail_bytes(self._regular(path), lines, MAX_EXCERPT_BYTES)
        )
        return data.decode(errors="replace")

    async def checksum(self, system: str, path: str) -> str:
        def digest() -> str:
            with self._regular(path).open("rb") as handle:  # file_digest reads in chunks
                return hashlib.file_digest(handle, "sha256").hexdigest()

        return await self._run(path, digest)

    async def chown(self, system: str, path: str, owner: str, group: str) -> FileEntry:
        uid = _user_id(owner) if owner else -1
        gid = _group_id(group) if group else -1

        def change() -> FileEntry:
            real = self.paths.existing(path)
            os.chown(real, uid, gid)
            return self._entry(real)

        try:
            return await asyncio.to_thread(change)
        except PermissionError:
            raise PermissionDenied(
                f"Not allowed to change the owner of {shown(path)}: only root may give a file "
                "to another user, and a file's group must be one of the owner's groups."
            ) from None
        except OSError as err:
            raise _os_error(err, path) from None

    def _free_target(self, target: str) -> Path:
        """The real path for a new entry `target` (blocking: call it in a thread)."""
        dst = self.paths.resolve(target, follow=False)
        if not ends_in_a_name(target):
            raise ValidationError(
                f"The target {shown(target)} must end with the new entry's name, "
                "not with '/', '.' or '..'."
            )
        if dst.exists() or dst.is_symlink():
            raise Conflict(
                f"{shown(target)} already exists; choose another name or delete it first."
            )
        if not dst.parent.is_dir():
            raise NotFound(f"The directory of {shown(target)} does not exist.")
        return dst


class LocalUpload(UploadSink):
    """An upload written to a hidden temporary file beside its target, renamed on commit."""

    def __init__(self, files: LocalFiles, target: Path, shown: str) -> None:
        self._files = files
        self._target = target
        self._shown = shown
        self._temp = target.with_name(upload_temps.temp_name(target.name))
        self._handle: BinaryIO | None = self._temp.open("xb")

    async def write(self, chunk: bytes) -> None:
        if self._handle is None:
            raise ValidationError("This upload is already finished.")
        try:
            # Page-cache writes of a request chunk (64 KiB) are faster than a thread hop.
            self._handle.write(chunk)
        except OSError as err:
            await self.abort()
            raise _os_error(err, self._shown) from None

    async def commit(self) -> FileEntry:
        handle = self._handle
        if handle is None:
            raise ValidationError("This upload is already finished.")

        def finish() -> FileEntry:
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
            if self._target.exists():
                # Keep the permissions of the file we replace.
                os.chmod(self._temp, statmod.S_IMODE(self._target.stat().st_mode))
            else:
                os.chmod(self._temp, 0o666 & ~self._files.umask)
            os.replace(self._temp, self._target)
            return self._files._entry(self._target)

        try:
            entry = await self._files._run(self._shown, finish)
        except HPCError:
            self._handle = None
            self._temp.unlink(missing_ok=True)
            raise
        self._handle = None
        return entry

    async def abort(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        self._temp.unlink(missing_ok=True)


def _head_bytes(real: Path, lines: int, limit: int) -> bytes:
    """The first `lines` lines, reading no more than `limit` + 1 bytes."""
    parts: list[bytes] = []
    budget = limit + 1  # one byte more than allowed tells the caller to mark it cut
    with real.open("rb") as handle:
        while len(parts) < lines and budget > 0:
            line = handle.readline(budget)
            if not line:
                break
            parts.append(line)
            budget -= len(line)
    return b"".join(parts)


def _tail_bytes(real: Path, lines: int, limit: int) -> bytes:
    """The last `lines` lines, read backwards from the end in blocks, `limit` + 1 bytes at most."""
    with real.open("rb") as handle:
        position = handle.seek(0, os.SEEK_END)
        data = b""
        while position > 0 and len(data) <= limit:
            step = min(TAIL_BLOCK, position)
            position -= step
            handle.seek(position)
            data = handle.read(step) + data
            # A final newline ends the last line; it does not start another.
            if data.count(b"\n", 0, len(data) - data.endswith(b"\n")) >= lines:
                break
    body_end = len(data) - data.endswith(b"\n")
    start = body_end
    for _ in range(lines):
        start = data.rfind(b"\n", 0, start)
        if start < 0:
            return data[-(limit + 1) :]
    return data[start + 1 :]


MAX_ID = 2**32 - 2
"""The largest user or group id (`uid_t` is 32 bits, and its largest value means "unchanged")."""


def _user_id(name: str) -> int:
    return _id_of(name, "user", lambda: pwd.getpwnam(name).pw_uid)


def _group_id(name: str) -> int:
    return _id_of(name, "group", lambda: grp.getgrnam(name).gr_gid)


def _id_of(name: str, kind: str, lookup: Callable[[], int]) -> int:
    """The id of a user or group given by name, or by number (ASCII digits: `²` is not 2)."""
    if "\x00" in name:
        raise ValidationError(f"A {kind} name cannot contain a NUL character.")
    try:
        return lookup()
    except KeyError:
        if name.isascii() and name.isdigit() and len(name) <= 10 and int(name) <= MAX_ID:
            return int(name)
        raise ValidationError(f"There is no {kind} {shown(name)} on this machine.") from None


def _umask() -> int:
    """The process umask (read once: setting it to read it is not thread-safe)."""
    current = os.umask(0)
    os.umask(current)
    return current
