"""Static files under content-hashed names, compressed, cached for a year.

A page names a file through ``asset("app.css")``, which gives ``/static/app.3f2a9c1b.css``:
the name changes when the content does, so browsers may keep every version for good
(``immutable``) and never ask again. The plain name still answers (for links typed by hand
and old pages), revalidated with its ETag. Text files are gzipped once, at start-up, and sent
compressed to browsers that accept it (ECharts: 1 MB becomes about 330 kB).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from starlette.datastructures import Headers
from starlette.types import Receive, Scope, Send

YEAR = 365 * 24 * 3600
COMPRESSIBLE = (".js", ".css", ".svg", ".json", ".txt", ".map", ".ico")
MIN_COMPRESS_BYTES = 512


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    content_type: str
    digest: str
    hashed_name: str


def _hashed(name: str, digest: str) -> str:
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"


def _load(path: Path, name: str) -> Asset:
    body = path.read_bytes()
    digest = hashlib.sha256(body).hexdigest()[:10]
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in ("application/javascript", "image/svg+xml"):
        kind += "; charset=utf-8"
    packed = None
    if name.endswith(COMPRESSIBLE) and len(body) >= MIN_COMPRESS_BYTES:
        packed = gzip.compress(body, compresslevel=9, mtime=0)
        packed = packed if len(packed) < len(body) else None
    return Asset(body, packed, kind, digest, _hashed(name, digest))


class StaticAssets:
    """An ASGI app serving one folder: ``url(name)`` for templates, hashed and plain names."""

    def __init__(self, directory: Path) -> None:
        self.files: dict[str, Asset] = {}
        self.by_hashed: dict[str, str] = {}
        for path in sorted(directory.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                name = path.relative_to(directory).as_posix()
                asset = _load(path, name)
                self.files[name] = asset
                self.by_hashed[asset.hashed_name] = name

    def url(self, name: str) -> str:
        """The file's address under its content-hashed name (a missing file fails loudly)."""
        return f"/static/{self.files[name].hashed_name}"

    def find(self, path: str) -> tuple[Asset, bool] | None:
        """The asset at ``path`` and whether it was asked for by its hashed name."""
        name = path.lstrip("/")
        if name in self.by_hashed:
            return self.files[self.by_hashed[name]], True
        if name in self.files:
            return self.files[name], False
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"  # noqa: S101 - mounted for HTTP only
        found = self.find(scope["path"].removeprefix(scope.get("root_path", "")))
        if found is None or scope["method"] not in ("GET", "HEAD"):
            status = 404 if found is None else 405
            await _respond(send, status, [(b"content-type", b"text/plain")], b"")
            return
        asset, hashed = found
        await serve(asset, hashed, Headers(scope=scope), scope["method"], send)


async def serve(asset: Asset, hashed: bool, request: Headers, method: str, send: Send) -> None:
    etag = f'"{asset.digest}"'
    cache = f"public, max-age={YEAR}, immutable" if hashed else "public, no-cache"
    headers = [(b"cache-control", cache.encode()), (b"etag", etag.encode()),
               (b"vary", b"accept-encoding"), (b"content-type", asset.content_type.encode())]
    if request.get("if-none-match") == etag:
        await _respond(send, 304, headers, b"")
        return
    body = asset.body
    if asset.gzipped is not None and "gzip" in request.get("accept-encoding", ""):
        body = asset.gzipped
        headers.append((b"content-encoding", b"gzip"))
    headers.append((b"content-length", str(len(body)).encode()))
    await _respond(send, 200, headers, b"" if method == "HEAD" else body, length_set=True)


async def _respond(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes,
                   *, length_set: bool = False) -> None:
    if not length_set:
        headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
