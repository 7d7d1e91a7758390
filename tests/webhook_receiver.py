"""A real HTTP webhook receiver on 127.0.0.1, as an integrator would write one: it checks every
signature with the reference Standard Webhooks library, can fail the first requests on purpose, and
keeps one event per ``webhook-id`` (deduplication)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class WebhookReceiver:
    def __init__(self, fail_first: int = 0) -> None:
        self.secret: str | None = None
        self.fail_first = fail_first
        self.requests: list[dict] = []
        self.events: dict[str, dict] = {}
        self.bad_signatures = 0
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/gym"

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for_events(self, count: int, timeout: float) -> dict[str, dict]:
        """Block until ``count`` distinct events arrived (or fail after ``timeout`` seconds)."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.events) >= count, timeout=timeout):
                raise AssertionError(f"{len(self.events)} of {count} events after {timeout} s: {self.requests}")
            return dict(self.events)

    def _receive(self, headers: dict[str, str], body: bytes) -> int:
        with self._arrived:
            self.requests.append({"headers": headers, "body": body})
            if len(self.requests) <= self.fail_first:
                return 503
            try:
                payload = Webhook(self.secret).verify(body, headers)
            except WebhookVerificationError:
                self.bad_signatures += 1
                return 401
            self.events.setdefault(headers["webhook-id"], payload)
            self._arrived.notify_all()
            return 204

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {key.lower(): value for key, value in self.headers.items()}
                self.send_response(receiver._receive(headers, body))
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        return Handler


def event_bodies(events: dict[str, dict]) -> list[dict]:
    """The ``data`` of each distinct event, for assertions."""
    return [json.loads(json.dumps(event))["data"] for event in events.values()]
