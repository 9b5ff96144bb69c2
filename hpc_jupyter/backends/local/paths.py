"""Confining paths to the local facility's root directory."""

from __future__ import annotations

import errno
from pathlib import Path

from ...errors import NotFound, PermissionDenied, ValidationError
from ...inputs import check_path, shown

DIRECTORY_ENDINGS = ("", ".", "..")
"""What a path's last part may be when it names a directory, never a name in it: `dir/`,
`dir/.` and `dir/..`."""


def is_under(path: str, root: str) -> bool:
    """Whether the absolute, real `path` is `root` or lies below it (text only, no filesystem)."""
    return path == root or path.startswith(root.rstrip("/") + "/")


def ends_in_a_name(path: str) -> bool:
    """Whether `path` ends with a name (`a/b`), not with `/`, `.` or `..`."""
    return path.rsplit("/", 1)[-1] not in DIRECTORY_ENDINGS


class RootedPaths:
    """Turns user paths into real paths under one root, refusing any that lead outside it.

    Paths are shown relative to the root (`.` is the root itself); an absolute path is accepted
    only when it lies under the root. Symbolic links are followed to their target and refused
    when that target lies outside. A path means what the kernel would make of it: `dir/..` is
    the directory above `dir` (after following `dir` if it is a link), never a file of `dir`.

    `resolve` and `existing` touch the filesystem (they follow links): call them off the event
    loop.
    """

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def resolve(self, path: str, *, follow: bool = True) -> Path:
        """The real path for `path`; with `follow=False` a final symbolic link is kept as is.

        A path ending in `/`, `.` or `..` names a directory, not a link: it is always followed.
        """
        if not isinstance(path, str):
            raise ValidationError("A path must be text.")
        check_path(path)
        joined = self.root / path  # an absolute `path` replaces the root
        try:
            if follow or not ends_in_a_name(path):
                real = joined.resolve()
            else:
                # The last part is a plain name (pathlib drops only `.` parts and doubled
                # slashes), so the parent, resolved, and that name are the entry itself.
                real = joined.parent.resolve() / joined.name
        except (RuntimeError, OSError) as err:
            # Python 3.11's pathlib reports a loop of links as a RuntimeError, newer ones as ELOOP.
            if isinstance(err, OSError) and err.errno != errno.ELOOP:
                raise
            raise ValidationError(f"{shown(path)} goes through a loop of symbolic links.") from None
        if real != self.root and self.root not in real.parents:
            raise PermissionDenied(
                f"Path {shown(path)} leads outside this facility's root directory; "
                "only files under the root can be reached."
            )
        return real

    def show(self, real: Path) -> str:
        """The user-facing path of a real path under the root."""
        relative = real.relative_to(self.root)
        return relative.as_posix() if relative.parts else "."

    def existing(self, path: str, *, follow: bool = True) -> Path:
        """Like `resolve`, but `NotFound` when nothing is there."""
        real = self.resolve(path, follow=follow)
        if not (real.exists() or real.is_symlink()):
            raise NotFound(f"No such file or directory: {shown(path)}.")
        if not ends_in_a_name(path) and not real.is_dir():
            raise ValidationError(
                f"{shown(path)} ends with '/', '.' or '..', but is not a directory."
            )
        return real
