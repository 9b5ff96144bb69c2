"""The v1 double's `/utilities`: commands on the double's files, failing as v1 reports them."""

from __future__ import annotations

import datetime
import hashlib
import os
import shutil
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.firecrest.fake_firecrest import USER

if TYPE_CHECKING:
    from tests.firecrest.fake_firecrest_v1 import FirecrestV1Handler


def ls_row(path: Path, name: str) -> dict[str, Any]:
    info = path.lstat()
    mode = stat.filemode(info.st_mode)
    moment = datetime.datetime.fromtimestamp(info.st_mtime)
    return {
        "name": name,
        "type": mode[0],
        "link_target": os.readlink(path) if mode[0] == "l" else "",
        "user": USER,
        "group": USER,
        "permissions": mode[1:],
        "last_modified": moment.strftime("%Y-%m-%dT%H:%M:%S"),
        "size": str(info.st_size),
    }


def _exists(local: Path) -> bool:
    return local.exists() or local.is_symlink()


def utilities(h: FirecrestV1Handler, method: str, op: str) -> None:
    fake = h.fake
    if op == "whoami":
        h.reply(200, {"description": "User information", "output": USER})
        return
    target = h.target("sourcePath" if op == "download" else "targetPath")
    if target is None:
        return
    where, local = target
    no_such = "No such file or directory"
    if op == "ls":
        if not _exists(local):
            h.failed(
                "ls",
                f"ls: cannot access '{where}': {no_such}",
                "X-Invalid-Path",
                "path is an invalid path",
            )
        elif local.is_dir():
            names = sorted(os.listdir(local))
            if (h.query("showhidden") or "").lower() != "true":
                names = [n for n in names if not n.startswith(".")]
            rows = [ls_row(local / n, n) for n in names]
            h.reply(200, {"description": "List of contents", "output": rows})
        else:
            h.reply(200, {"description": "List of contents", "output": [ls_row(local, where)]})
    elif op == "stat":
        if not _exists(local):
            h.failed(
                "stat",
                f"stat: cannot stat '{where}': {no_such}",
                "X-Not-Found",
                "sourcePath not found",
            )
            return
        info = local.stat() if h.query("dereference") else local.lstat()
        keys = ("mode", "ino", "dev", "nlink", "uid", "gid", "size", "atime", "mtime", "ctime")
        output = {k: int(getattr(info, f"st_{k}")) for k in keys}
        h.reply(200, {"description": "Success to stat file.", "output": output})
    elif op == "checksum":
        if local.is_dir():
            h.failed(
                "checksum",
                f"sha256sum: {where}: Is a directory",
                "X-A-Directory",
                "path is a directory, can't checksum directories",
            )
        elif not local.is_file():
            h.failed(
                "checksum",
                f"sha256sum: {where}: {no_such}",
                "X-Invalid-Path",
                "path is an invalid path",
            )
        else:
            digest = hashlib.sha256(local.read_bytes()).hexdigest()
            h.reply(200, {"description": "Success to checksum file.", "output": digest})
    elif op in ("head", "tail"):
        if not local.is_file():
            h.failed(
                op,
                f"{op}: cannot open '{where}' for reading: {no_such}",
                "X-Invalid-Path",
                "path is an invalid path",
            )
            return
        count = int(h.query("lines") or 10)
        lines = local.read_bytes().decode(errors="replace").splitlines(keepends=True)
        part = lines[:count] if op == "head" else lines[-count:]
        h.reply(200, {"description": f"Success to {op} file.", "output": "".join(part)})
    elif op == "download":
        if not local.is_file():
            h.failed(
                "fsize",
                f"stat: cannot stat '{where}': {no_such}",
                "X-Not-Found",
                "sourcePath not found",
            )
        elif local.stat().st_size > fake.direct_limit:
            h.reply(
                400,
                {"description": "Failed to download file"},
                {"X-Size-Limit": "File exceeds size limit"},
            )
        else:
            h.reply(200, local.read_bytes())
    elif op == "upload":
        (upload,) = h.request.files["file"]
        if len(h.request.body) > fake.direct_limit:
            message = f"Failed to upload file. The file is over {fake.direct_limit} bytes"
            h.reply(413, {"description": message})
        elif not local.is_dir():
            h.failed(
                "upload",
                f"cannot create '{where}/{upload.filename}': {no_such}",
                "X-Invalid-Path",
                f"{where} is an invalid path.",
            )
        else:
            (local / os.path.basename(upload.filename)).write_bytes(upload.body)
            h.reply(201, {"description": "File upload successful", "output": ""})
    elif op == "rm" and method == "DELETE":
        if not _exists(local):
            h.failed(
                "rm",
                f"rm: cannot remove '{where}': {no_such}",
                "X-Invalid-Path",
                "path is an invalid path.",
            )
            return
        if local.is_dir() and not local.is_symlink():
            shutil.rmtree(local)
        else:
            local.unlink()
        h.reply(204)
    elif op == "mkdir":
        if _exists(local) and not h.field("p"):
            h.failed(
                "mkdir",
                f"mkdir: cannot create directory '{where}': File exists",
                "X-Exists",
                "targetPath already exists",
            )
            return
        try:
            local.mkdir(parents=bool(h.field("p")), exist_ok=bool(h.field("p")))
        except FileNotFoundError:
            h.failed(
                "mkdir",
                f"mkdir: cannot create directory '{where}': {no_such}",
                "X-Invalid-Path",
                "sourcePath and/or targetPath are invalid paths",
            )
            return
        h.reply(201, {"description": "Success to mkdir file.", "output": ""})
    elif op in ("rename", "copy"):
        source = h.target("sourcePath")
        if source is None:
            return
        verb = "mv" if op == "rename" else "cp"
        if not _exists(source[1]):
            h.failed(
                op,
                f"{verb}: cannot stat '{source[0]}': {no_such}",
                "X-Not-Found",
                "sourcePath not found",
            )
            return
        if op == "copy" and fake.slow_copies:
            local.write_bytes(source[1].read_bytes()[: source[1].stat().st_size // 2])
            h.failed(op, "", "X-Timeout", "Command has finished with timeout signal")
            return
        if op == "rename":
            os.replace(source[1], local)
        elif source[1].is_dir():
            shutil.copytree(source[1], local, symlinks=True)
        else:
            shutil.copy2(source[1], local)
        h.reply(
            200 if op == "rename" else 201, {"description": f"Success to {op} file.", "output": ""}
        )
    elif op == "chmod":
        mode = h.field("mode") or ""
        if not _exists(local):
            h.failed(
                "chmod",
                f"chmod: cannot access '{where}': {no_such}",
                "X-Invalid-Path",
                "path is an invalid path",
            )
            return
        local.chmod(int(mode, 8))
        h.reply(
            200,
            {
                "description": "Success to chmod file or directory.",
                "output": f"mode of '{where}' changed to {mode}",
            },
        )
    elif op == "chown":
        owner = h.field("owner")
        if owner not in (None, "", USER):
            h.failed(
                "chown",
                f"chown: changing ownership of '{where}': Operation not permitted",
                "X-Permission-Denied",
                "User does not have permissions to access path",
            )
            return
        h.reply(200, {"description": "Success to chown file or directory.", "output": ""})
    else:
        h.reply(404, {"description": "Not Found"})
