"""A partner's webhook receiver, for real: a threaded HTTP server on a loopback port that can be
down (not listening), answer errors, or take messages; it checks every signature with the
Standard Webhooks reference library and keeps each ``webhook-id`` once, as a receiver should."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Hit:
    """One request the receiver saw."""

    webhook_id: str
    timestamp: int
    signature_ok: bool
    answered: int


@dataclass
class Receiver:
    """``answer`` is the status it gives; ``fail_first`` ids are stored but answered 500 the
    first time (a receiver that kept the message and crashed before saying so)."""

    port: int = field(default_factory=free_port)
    secret: str = ""
    answer: int = 200
    check_time: bool = False  # the reference check of the timestamp (real clock only)
    fail_first: set[str] = field(default_factory=set)
    hits: list[Hit] = field(default_factory=list)
    callbacks: list[str] = field(default_factory=list)  # customers sent back: their queries
    kept: dict[str, dict[str, Any]] = field(default_factory=dict)
    duplicates: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bank/webhooks"

    @property
    def callback(self) -> str:
        """Where the bank sends a customer back after a consent (a page of the partner)."""
        return f"http://127.0.0.1:{self.port}/bank/callback"

    def verified(self, body: bytes, headers: dict[str, str]) -> bool:
        hook = Webhook(self.secret)
        if self.check_time:
            try:
                hook.verify(body, headers)
            except Exception:
                return False
            return True
        # the moment of the attempt is the bank's (tests move its clock): check the signature
        stamp = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
        expected = hook.sign(headers["webhook-id"], stamp, body.decode())
        return expected in headers["webhook-signature"].split(" ")

    def handle(self, body: bytes, headers: dict[str, str]) -> int:
        with self._lock:
            webhook_id = headers.get("webhook-id", "")
            ok = self.verified(body, headers)
            status = self.answer if ok else 401
            if ok and status == 200:
                if webhook_id in self.kept:
                    self.duplicates += 1
                else:
                    self.kept[webhook_id] = json.loads(body)
                if webhook_id in self.fail_first:
                    self.fail_first.discard(webhook_id)
                    status = 500
            self.hits.append(Hit(webhook_id, int(headers.get("webhook-timestamp", "0")), ok,
                                 status))
            return status

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server protocol
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                status = receiver.handle(body, {k.lower(): v for k, v in self.headers.items()})
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def do_GET(self) -> None:  # noqa: N802 - the http.server protocol
                path, _, query = self.path.partition("?")
                if path == "/bank/callback":
                    receiver.callbacks.append(query)
                page = b"<h1>partner callback</h1>"
                self.send_response(200)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *_args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
