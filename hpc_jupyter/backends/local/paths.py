"""Confining paths to the local facility's root directory."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from ...errors import NotFound, PermissionDenied, ValidationError


class RootedPaths:
    """Turns user paths into real paths under one root, refusing any that lead outside it.

    Paths are shown relative to the root (`.` is the root itself); an absolute path is accepted
    only when it lies under the root. Symbolic links are followed to their target and refused
    when that target lies outside.
    """

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def resolve(self, path: str, *, follow: bool = True) -> Path:
        """The real path for `path`; with `follow=False` a final symbolic link is kept as is."""
        if not isinstance(path, str) or "\x00" in path:
            raise ValidationError("A path must be text without NUL characters.")
        raw = Path(path)
        joined = raw if raw.is_absolute() else self.root / raw
        if follow:
            real = joined.resolve()
        else:
            name = PurePosixPath(os.path.normpath(joined)).name
            parent = joined.parent.resolve() if name not in ("", "..") else joined.resolve()
            real = parent / name if name not in ("", "..") else parent
        if real != self.root and self.root not in real.parents:
            raise PermissionDenied(
                f"Path {path!r} leads outside this facility's root directory; "
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
            raise NotFound(f"No such file or directory: {path!r}.")
        return real
