"""Uploaded files: size-limited, type-checked, kept under a name the server chooses.

The body limit is enforced while the request streams in (:class:`UploadLimitMiddleware`, 413
beyond ``Staff.upload_max_bytes``), before the multipart parser spools anything; then the file's
extension must be one the ingest readers know and its first bytes must agree with it (a ZIP or
XLSX starts ``PK``, Parquet ``PAR1``, text has no NUL byte). The client's file name is kept only
as a label: the file is written as ``uploads/<agency>/<random>.<ext>``.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from openblotter.errors import PermissionDeniedError

if TYPE_CHECKING:
    from starlette.datastructures import UploadFile
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ALLOWED", "UploadLimitMiddleware", "UploadRefusedError", "save_upload"]

ALLOWED = {".csv", ".tsv", ".txt", ".xlsx", ".json", ".ndjson", ".parquet", ".zip"}
"""File types the ingest readers accept."""
_MAGIC = {".zip": (b"PK\x03\x04",), ".xlsx": (b"PK\x03\x04",), ".parquet": (b"PAR1",)}


class UploadRefusedError(PermissionDeniedError):
    """The file is not one the system will take."""

    code = "upload-refused"


def save_upload(upload: UploadFile, folder: Path) -> tuple[Path, str]:
    """Check ``upload`` and write it under a server-chosen name; return (path, label)."""
    name = PurePath(upload.filename or "upload").name or "upload"
    suffix = PurePath(name).suffix.lower()
    label = name[:120]
    if suffix not in ALLOWED:
        raise UploadRefusedError(
            f"a {suffix or 'nameless'} file cannot be ingested; send one of "
            + ", ".join(sorted(ALLOWED))
        )
    head = upload.file.read(8192)
    upload.file.seek(0)
    magic = _MAGIC.get(suffix)
    if magic is not None and not head.startswith(magic):
        raise UploadRefusedError(f"the file's content is not a {suffix} file")
    if magic is None and b"\x00" in head:
        raise UploadRefusedError(f"the file's content is binary, not {suffix} text")
    if suffix == ".json" and head.strip()[:1] not in (b"[", b"{"):
        raise UploadRefusedError("the file's content is not JSON")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{secrets.token_hex(16)}{suffix}"
    with path.open("xb") as out:
        while chunk := upload.file.read(1 << 20):
            out.write(chunk)
    return path, label


class UploadLimitMiddleware:
    """Refuse request bodies over ``limit`` bytes on ``prefix`` paths with 413, as they stream."""

    def __init__(self, app: ASGIApp, *, limit: int, prefixes: tuple[str, ...]) -> None:
        self.app, self.limit, self.prefixes = app, limit, prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count the body's bytes; answer 413 (and stop reading) past the limit."""
        if scope["type"] != "http" or not scope["path"].startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _too_large(send, self.limit)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLargeError:
            if not started:
                await _too_large(send, self.limit)


class _TooLargeError(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "error": {
                "status": 413,
                "code": "too-large",
                "message": f"the upload is larger than the limit of {limit:,} bytes",
            }
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"cache-control", b"no-store"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
