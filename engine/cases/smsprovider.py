"""A local SMS provider simulator: the HTTP API the engine's SMS channel speaks (engine.cases.channels), on
127.0.0.1, for the demo and the tests. It records the messages it is sent and shows them on a page.

``POST /sms`` with ``{"id", "to", "text"}`` and ``Authorization: Bearer <token>`` answers ``202 {"id", "status":
"queued"}``; the same id again is the same message (``"status": "duplicate"``, not recorded twice), as a real
provider's idempotent request id. ``GET /`` lists the messages (newest first), ``GET /messages`` as JSON.
``refuse`` (a number of requests, or -1 for all) makes it answer 503, to exercise retries and dead letters.
"""
from __future__ import annotations

import html
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SmsSimulator:
    """``start()`` serves on 127.0.0.1 in a thread; ``url`` is the address to configure as sms_url."""

    def __init__(self, token: str = "", port: int = 0, refuse: int = 0) -> None:
        self.token = token
        self.refuse = refuse
        self.messages: list[dict] = []
        self.requests = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms"

    def start(self) -> "SmsSimulator":
        self._thread = threading.Thread(target=self._server.serve_forever, name="sms-simulator", daemon=True)
        self._thread.start()
        return self

    def serve(self) -> None:  # pragma: no cover - blocking (`tthc notifications sms-simulator`)
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def receive(self, payload: dict) -> tuple[int, dict]:
        with self._lock:
            self.requests += 1
            if self.refuse:
                self.refuse -= 1 if self.refuse > 0 else 0
                return 503, {"error": "provider unavailable"}
            if not all(isinstance(payload.get(k), str) and payload.get(k) for k in ("id", "to", "text")):
                return 400, {"error": "id, to and text are required"}
            if any(m["id"] == payload["id"] for m in self.messages):
                return 202, {"id": payload["id"], "status": "duplicate"}
            self.messages.append({"id": payload["id"], "to": payload["to"], "text": payload["text"]})
            return 202, {"id": payload["id"], "status": "queued"}

    def _handler(self):
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet: the page shows what came
                pass

            def _answer(self, status: int, body: bytes, kind: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                if self.path != "/sms":
                    return self._answer(404, b'{"error": "not found"}')
                if simulator.token and self.headers.get("Authorization") != f"Bearer {simulator.token}":
                    return self._answer(401, b'{"error": "bad token"}')
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                    payload = json.loads(self.rfile.read(min(length, 65536)) or b"null")
                except ValueError:
                    payload = None
                status, answer = simulator.receive(payload if isinstance(payload, dict) else {})
                self._answer(status, json.dumps(answer, ensure_ascii=False).encode())

            def do_GET(self) -> None:
                with simulator._lock:
                    messages = list(reversed(simulator.messages))
                if self.path == "/messages":
                    return self._answer(200, json.dumps(messages, ensure_ascii=False).encode())
                if self.path != "/":
                    return self._answer(404, b'{"error": "not found"}')
                rows = "".join(f"<tr><td>{html.escape(m['to'])}</td><td>{html.escape(m['text'])}</td>"
                               f"<td><code>{html.escape(m['id'])}</code></td></tr>" for m in messages)
                page = ("<!doctype html><html lang='vi'><meta charset='utf-8'><title>SMS (mô phỏng)</title>"
                        "<h1>Tin nhắn SMS đã nhận (nhà cung cấp mô phỏng)</h1><table border='1' cellpadding='4'>"
                        f"<tr><th>Số điện thoại</th><th>Nội dung</th><th>Mã yêu cầu</th></tr>{rows}</table></html>")
                self._answer(200, page.encode(), "text/html")

        return Handler
