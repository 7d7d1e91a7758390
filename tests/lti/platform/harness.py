"""Start, stop and drive the stand-in LTI 1.3 platform process from tests.

The platform is its own OS process (``python -m tests.lti.platform``) so that the tool under test talks to it
over HTTP exactly as it would to an LMS; its state lives in a JSON file in ``state_dir``, so ``restart()``
on the same port keeps tools, launches, line items and grades.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode, urljoin

import requests

REPO_ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    """A TCP port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class AutoSubmitForm:
    """The one form of an auto-submitting page (the platform's launch and auth responses)."""

    action: str
    method: str = "post"
    fields: dict[str, str] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.form: AutoSubmitForm | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and self.form is None:
            self.form = AutoSubmitForm(action=values.get("action", ""), method=values.get("method", "get").lower())
        elif tag == "input" and self.form is not None and values.get("name"):
            self.form.fields[values["name"]] = values.get("value", "")


def parse_form(page: str, base: str = "") -> AutoSubmitForm:
    """The first form of ``page`` (action made absolute against ``base``); ValueError if there is none."""
    parser = _FormParser()
    parser.feed(page)
    if parser.form is None:
        raise ValueError("no form in the page")
    parser.form.action = urljoin(base, parser.form.action)
    return parser.form


def submit_form(session: requests.Session, response: requests.Response, **kwargs: Any) -> requests.Response:
    """Do what a browser does with an auto-submitting page: submit its form with ``session``."""
    form = parse_form(response.text, response.url)
    if form.method == "post":
        return session.post(form.action, data=form.fields, timeout=10, **kwargs)
    return session.get(form.action, params=form.fields, timeout=10, **kwargs)


class Platform:
    """The platform process: ``base_url`` is also the issuer (``http://127.0.0.1:PORT``)."""

    def __init__(self, state_dir: Path | str, port: int | None = None, *, startup_timeout: float = 10.0) -> None:
        self.state_dir = Path(state_dir)
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.startup_timeout = startup_timeout
        self.log_path = self.state_dir / "platform.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def issuer(self) -> str:
        """The ``iss`` of everything the platform signs."""
        return self.base_url

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._process is not None and self._process.poll() is None

    # --- process ---------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the process and wait until it answers (the key is made on the first start only)."""
        if self.running:
            return
        self.state_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "LTI_PLATFORM_STATE_DIR": str(self.state_dir)}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        self._log = open(self.log_path, "ab")  # noqa: SIM115 (kept open for the child's lifetime)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.lti.platform", "--port", str(self.port), "--state-dir", str(self.state_dir)],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._close_log()
                raise RuntimeError(f"LTI platform exited with {self._process.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(f"{self.base_url}/jwks", timeout=1).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"LTI platform did not answer within {self.startup_timeout} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """Stop the process (state stays in ``state_dir``)."""
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()
                try:
                    self._process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait(timeout=5)
            self._process = None
        self._close_log()

    def restart(self) -> None:
        """Stop and start again on the same port with the same state."""
        self.stop()
        self.start()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 40) -> str:
        """The end of the process's log, for failure messages."""
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> Platform:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- test API --------------------------------------------------------------------------------------------

    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        response = requests.post(f"{self.base_url}{path}", json=payload, timeout=10)
        if not response.ok:
            raise RuntimeError(f"POST {path} -> {response.status_code}: {response.text}")
        return response.json()

    def state(self) -> dict[str, Any]:
        """Everything the platform recorded (``GET /test/state``); see the README of this package."""
        response = requests.get(f"{self.base_url}/test/state", timeout=10)
        response.raise_for_status()
        return response.json()

    def register_tool(
        self,
        *,
        initiate_login_uri: str,
        redirect_uris: list[str],
        jwks_uri: str,
        target_link_uri: str,
        deep_link_uri: str | None = None,
        name: str | None = None,
    ) -> dict[str, str]:
        """Manual registration: ``{client_id, deployment_id, issuer, auth_url, token_url, jwks_url}``."""
        return self._post(
            "/test/tools",
            {
                "initiate_login_uri": initiate_login_uri,
                "redirect_uris": list(redirect_uris),
                "jwks_uri": jwks_uri,
                "target_link_uri": target_link_uri,
                "deep_link_uri": deep_link_uri,
                "name": name,
            },
        )

    def registration_start_url(self, tool_registration_url: str) -> str:
        """The URL that starts IMS Dynamic Registration at the tool, with a fresh one-time token."""
        registration_token = self._post("/test/registration_tokens", {})["registration_token"]
        query = urlencode(
            {
                "openid_configuration": f"{self.base_url}/.well-known/openid-configuration",
                "registration_token": registration_token,
            }
        )
        return f"{tool_registration_url}{'&' if '?' in tool_registration_url else '?'}{query}"

    def launch_url(
        self,
        *,
        client_id: str,
        user_id: str,
        roles: tuple[str, ...] | list[str] = ("Learner",),
        context_id: str = "course-1",
        context_title: str = "Course 1",
        resource_link_id: str | None = None,
        message_type: str = "LtiResourceLinkRequest",
        target_link_uri: str | None = None,
        line_item_id: str | None = None,
        custom: dict[str, Any] | None = None,
        given_name: str | None = None,
        family_name: str | None = None,
        email: str | None = None,
    ) -> str:
        """A platform URL whose page auto-submits the OIDC third-party login to the tool.

        ``roles`` take short names (Learner, Instructor, TeachingAssistant, ...) or full URIs; ``line_item_id``
        is a line item's URL (``id``); without it, a line item bound to the resource link is used.
        """
        params: dict[str, str] = {
            "client_id": client_id,
            "user_id": user_id,
            "roles": ",".join(roles),
            "context_id": context_id,
            "context_title": context_title,
            "message_type": message_type,
        }
        optional = {
            "resource_link_id": resource_link_id,
            "target_link_uri": target_link_uri,
            "line_item_id": line_item_id,
            "custom": json.dumps(custom) if custom else None,
            "given_name": given_name,
            "family_name": family_name,
            "email": email,
        }
        params.update({name: value for name, value in optional.items() if value is not None})
        return f"{self.base_url}/test/launch?{urlencode(params)}"

    def set_roster(self, context_id: str, members: list[dict[str, Any]], *, context_title: str | None = None) -> None:
        """Replace the NRPS roster of ``context_id``; roles may be short names."""
        self._post("/test/roster", {"context_id": context_id, "members": members, "context_title": context_title})

    def add_line_item(
        self,
        context_id: str,
        *,
        label: str,
        score_maximum: float,
        resource_link_id: str | None = None,
        tag: str | None = None,
        resource_id: str | None = None,
    ) -> dict[str, Any]:
        """Create a line item as the platform's instructor; returns its AGS JSON (``id`` is its URL)."""
        return self._post(
            "/test/line_items",
            {
                "context_id": context_id,
                "label": label,
                "score_maximum": score_maximum,
                "resource_link_id": resource_link_id,
                "tag": tag,
                "resource_id": resource_id,
            },
        )

    def set_config(self, **knobs: Any) -> dict[str, Any]:
        """Set test knobs: ``token_expires_in`` and ``id_token_expires_in`` (s), ``down`` (bool),
        ``memberships_page_size``."""
        return self._post("/test/config", knobs)

    def set_down(self, down: bool) -> None:
        """While down, /token, AGS and NRPS answer 503."""
        self.set_config(down=down)
