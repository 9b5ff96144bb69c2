"""Real local users for a Hub with LocalProcessSpawner: useradd, POSIX ACLs to reach the venv.

The users' servers run as them, so the venv's python and this checkout must be reachable by
them. When a directory on the way is closed to others (a clone under /root, pytest's 0700
temporary folders), `grant_traverse` gives each user the search (x) right on it with a POSIX
ACL, and `revoke` takes exactly that away again: no mode changes, nothing left behind.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest


def require_root_and_acl() -> None:
    """Skip (or, in CI, fail) when not root or without Debian's `acl` (setfacl)."""
    missing = []
    if os.geteuid() != 0:
        missing.append("root (useradd, and a Hub that spawns servers as other users)")
    if shutil.which("setfacl") is None:
        missing.append("setfacl (apt-get install acl)")
    for tool in ("useradd", "userdel", "runuser"):
        if shutil.which(tool) is None:
            missing.append(tool)
    if missing:
        reason = "The local-users Hub test needs " + " and ".join(missing) + "."
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@dataclass
class LocalUser:
    name: str
    home: Path
    uid: int
    gid: int


MARK = "hpc-jupyter test user"
"""The comment (GECOS) field of the users the tests create: only those are ever removed."""


def add_user(name: str) -> LocalUser:
    """A new local user with a home directory (one left by an aborted run is removed first;
    an account of that name the tests did not make skips the test, or fails it in CI)."""
    try:
        existing = pwd.getpwnam(name)
    except KeyError:
        pass
    else:
        if existing.pw_gecos != MARK:
            reason = f"A local user {name} exists that the tests did not create."
            if os.environ.get("CI") == "true":
                pytest.fail(reason)
            pytest.skip(reason)
        remove_user(name)
    useradd = ["useradd", "--create-home", "--user-group", "--shell", "/bin/bash"]
    subprocess.run([*useradd, "--comment", MARK, name], check=True, capture_output=True)
    entry = pwd.getpwnam(name)
    return LocalUser(name, Path(entry.pw_dir), entry.pw_uid, entry.pw_gid)


def remove_user(name: str) -> None:
    """Remove the user, its home and its processes, if the tests created it."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return
    if entry.pw_gecos != MARK:
        return
    uid = entry.pw_uid
    for process in psutil.process_iter(["uids"]):  # what a test started as this user
        with contextlib.suppress(psutil.Error):
            if process.info["uids"] and process.info["uids"].real == uid:
                process.kill()
    subprocess.run(["userdel", "--remove", "--force", name], capture_output=True)


def run_as(user: str, *command: str) -> subprocess.CompletedProcess[str]:
    """`command` run as `user` (runuser), its output captured."""
    return subprocess.run(
        ["runuser", "-u", user, "--", *command],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=30,
    )


def _has_extended_acl(path: Path) -> bool:
    listing = subprocess.run(
        ["getfacl", "--omit-header", "--skip-base", "--absolute-names", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return bool(listing.strip())


@dataclass
class Grants:
    """The ACL entries given, to take back; which directories had no ACL before the first."""

    given: list[tuple[Path, str]] = field(default_factory=list)
    bare: dict[Path, bool] = field(default_factory=dict)

    def grant_traverse(self, user: str, target: Path) -> None:
        """Let `user` reach `target`: `u:user:x` on each directory on the way closed to others."""
        for directory in reversed(target.resolve().parents):
            if not (directory.stat().st_mode & stat.S_IXOTH):
                self._give(user, directory, "x")

    def grant_read(self, user: str, directory: Path) -> None:
        """Let `user` list and read `directory` (and reach it)."""
        self.grant_traverse(user, directory / "x")
        if not (directory.stat().st_mode & stat.S_IROTH):
            self._give(user, directory, "rx")

    def _give(self, user: str, directory: Path, rights: str) -> None:
        self.bare.setdefault(directory, not _has_extended_acl(directory))
        subprocess.run(["setfacl", "-m", f"u:{user}:{rights}", str(directory)], check=True)
        self.given.append((directory, user))

    def revoke(self) -> None:
        """Take every entry back; a directory that had no ACL before has none again."""
        for directory, user in reversed(self.given):
            if directory.exists():
                subprocess.run(["setfacl", "-x", f"u:{user}", str(directory)], check=False)
        for directory, bare in self.bare.items():
            if bare and directory.exists():
                subprocess.run(["setfacl", "-b", str(directory)], check=False)
        self.given.clear()
        self.bare.clear()
