"""A fake WhatsApp/SMS gateway on 127.0.0.1 for the HTTP backend's tests.

It answers each POST with the next of its scripted answers (an HTTP status, or ``"hang"``: hold
the request until the test ends, so the client's timeout fires), then 200 for ever. It keeps
every request it got, and the messages it "delivered" by idempotency key, as a member's phone
would see them: one per key however often we retry.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Gateway:
    url: str = ""
    script: list[Any] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    delivered: dict[str, dict[str, Any]] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def phone(self) -> list[str]:
        """What the members' phones show: each delivered message once."""
        return [m["text"] for m in self.delivered.values()]


@contextmanager
def fake_gateway(*script: Any) -> Iterator[Gateway]:
    gateway = Gateway(script=list(script))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with gateway.lock:
                gateway.requests.append({"headers": dict(self.headers), "body": body})
                answer = gateway.script.pop(0) if gateway.script else 200
            if answer == "hang":
                gateway.release.wait(10)
                return
            if answer == 200:
                key = self.headers["Idempotency-Key"]
                with gateway.lock:
                    gateway.delivered.setdefault(key, body)
                payload = json.dumps({"id": f"gw-{len(gateway.delivered)}"}).encode()
            else:
                payload = json.dumps({"error": "gateway sibuk"}).encode()
            self.send_response(int(answer))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/kirim"
    try:
        yield gateway
    finally:
        gateway.release.set()
        server.shutdown()
        server.server_close()
