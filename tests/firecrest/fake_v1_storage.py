"""The v1 double's `/storage`: external transfers through moto's S3, stepped as v1's tasks."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from tests.firecrest.fake_firecrest import USER
from tests.firecrest.fake_v1_state import SYSTEM, Task

if TYPE_CHECKING:
    from tests.firecrest.fake_firecrest_v1 import FirecrestV1Handler


def storage(h: FirecrestV1Handler, rest: str) -> None:
    fake = h.fake
    if rest == "xfer-external/upload":
        source, target = h.field("sourcePath") or "", h.target()
        if target is None:
            return
        where, local = target
        if not local.is_dir():
            h.reply(
                400,
                {
                    "description": "Failed to upload file",
                    "error": "'targetPath' directory not allowed",
                },
                {"X-Invalid-Path": f"{where} is an invalid path."},
            )
            return
        name = os.path.basename(source)
        destination = os.path.join(where, name)
        base = {
            "user": USER,
            "system_name": SYSTEM,
            "system_addr": "cluster:22",
            "target": destination,
            "source": name,
            "hash_id": "",
            "trace_id": "",
        }
        task = fake.new_task(
            "storage",
            "110",
            {
                **base,
                "status": "110",
                "msg": "Waiting for Presigned URL to upload file to staging area "
                "(Amazon S3 - Signature v4)",
            },
        )
        key = f"{task.id}/{name}"
        base["hash_id"] = task.id

        def step(task: Task) -> None:
            if task.status == "110":
                msg = _put_url(fake, key, source) if fake.object_storage == "s3v2" else None
                if msg is None:
                    form = fake.s3.generate_presigned_post(fake.bucket, key, ExpiresIn=604800)
                    fields = " ".join(f"-F '{k}={v}'" for k, v in form["fields"].items())
                    msg = {
                        "parameters": {
                            "method": "POST",
                            "url": form["url"],
                            "data": form["fields"],
                            "files": source,
                            "json": {},
                            "params": {},
                            "headers": {},
                        },
                        "command": f"curl -f --show-error -s -i -X POST {form['url']} {fields} "
                        f"-F file=@{source}",
                    }
                task.set("111", {**base, "status": "111", "msg": msg})
            elif task.status == "111":
                try:
                    fake.s3.head_object(Bucket=fake.bucket, Key=key)
                except fake.s3.exceptions.ClientError:
                    return  # the client has not sent the file yet
                task.set("112", task.data)
            elif task.status == "112":
                task.set(
                    "113", {k: base[k] for k in ("source", "target", "system_name", "system_addr")}
                )
            elif task.status == "113":
                if fake.fail_staging:
                    task.set(
                        "115",
                        {
                            **base,
                            "status": "115",
                            "msg": "curl: (23) Failure writing output to destination",
                        },
                    )
                else:
                    fake.s3.download_file(fake.bucket, key, str(fake.local(destination)))
                    fake.s3.delete_object(Bucket=fake.bucket, Key=key)
                    task.set("114", task.data)
                task.step = None

        task.step = step
        h.created(task, 201)
    elif rest == "xfer-external/download":
        target = h.existing_file("sourcePath", "sourcePath error")
        if target is None:
            return
        where, local = target
        task = fake.new_task("storage", "116", {"source": where, "system_name": SYSTEM})
        key = f"{task.id}/{os.path.basename(where)}"

        def publish(task: Task) -> None:
            fake.s3.upload_file(str(local), fake.bucket, key)
            url = fake.s3.generate_presigned_url(
                "get_object", Params={"Bucket": fake.bucket, "Key": key}, ExpiresIn=604800
            )
            task.set("117", {"url": url, "source": where, "system_name": SYSTEM})
            task.step = None

        task.step = publish
        h.created(task, 201)
    elif rest == "xfer-external/invalidate":
        task = fake.tasks.get(h.request.headers.get("X-Task-Id", ""))
        if task is None or not isinstance(task.data, dict) or "url" not in task.data:
            h.reply(400, {"error": "Invalid X-Task-Id"})
            return
        name = os.path.basename(task.data["source"])
        fake.s3.delete_object(Bucket=fake.bucket, Key=f"{task.id}/{name}")
        h.reply(201, {"success": "URL invalidated successfully"})
    else:
        h.reply(404, {"description": "Not Found"})


def _put_url(fake: Any, key: str, source: str) -> dict[str, Any]:
    """v1's s3v2 upload directions: PUT the bytes to the object's URL with its signature."""
    signed = fake.s3.generate_presigned_url(
        "put_object", Params={"Bucket": fake.bucket, "Key": key}, ExpiresIn=604800
    )
    url, _, query = signed.partition("?")
    return {
        "parameters": {
            "method": "PUT",
            "url": url,
            "params": dict(parse_qsl(query)),
            "files": source,
            "json": {},
            "data": {},
            "headers": {},
        },
        "command": f"curl -f --show-error -s -i -X PUT '{signed}' -T {source}",
    }
