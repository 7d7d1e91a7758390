"""LTI fixtures: a platform's signing key served as a JWKS on 127.0.0.1 and a registration trusting it (the
independent platform process, ``lti_platform``, is in tests/conftest.py for the browser tests too)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from jwcrypto.jwk import JWK
from lti_tool.models import LtiDeployment, LtiRegistration


class PlatformKeys:
    """A platform's RSA key and the JWKS URL where the tool reads its public half."""

    def __init__(self, kid: str = "platform-key-1") -> None:
        self.key = JWK.generate(kty="RSA", size=2048, kid=kid)
        self.private_pem = self.key.export_to_pem(private_key=True, password=None).decode()
        self.url = ""

    def jwks(self) -> dict:
        public = json.loads(self.key.export_public())
        return {"keys": [{**public, "alg": "RS256", "use": "sig"}]}


@contextmanager
def served_keys(kid: str = "platform-key-1") -> Iterator[PlatformKeys]:
    """A new platform key, its JWKS served on 127.0.0.1 while the block runs."""
    keys = PlatformKeys(kid)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(keys.jwks()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    keys.url = f"http://127.0.0.1:{server.server_address[1]}/jwks"
    try:
        yield keys
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def platform_keys():
    """Platform A's key (the ``registration`` fixture's platform)."""
    with served_keys() as keys:
        yield keys


@pytest.fixture
def registration(db, platform_keys) -> LtiRegistration:
    """A registration of the platform ``https://lms.example`` (client ``tool-1``, deployment ``dep-1``)."""
    registration = LtiRegistration.objects.create(
        name="Example LMS",
        issuer="https://lms.example",
        client_id="tool-1",
        auth_url="https://lms.example/auth",
        token_url="https://lms.example/token",
        keyset_url=platform_keys.url,
        is_active=True,
    )
    LtiDeployment.objects.create(registration=registration, deployment_id="dep-1", is_active=True)
    return registration
