"""The platform's whole state: one JSON file in ``LTI_PLATFORM_STATE_DIR``, so a restarted process keeps it.

Every request reads the file, changes it and writes it back atomically under a lock: the server is threaded,
and a crash mid-write must never leave half a file behind for the next start.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jwcrypto.jwk import JWK

STATE_FILE = "state.json"
LOCK_FILE = "state.lock"

# Defaults of the test knobs (POST /test/config).
DEFAULT_CONFIG: dict[str, Any] = {
    "token_expires_in": 3600,
    # Seconds an id_token is valid; a negative value issues tokens that expired that long ago.
    "id_token_expires_in": 300,
    "down": False,
    # Small on purpose: the tool's NRPS client must follow rel=next to see everyone.
    "memberships_page_size": 2,
}


def empty_state() -> dict[str, Any]:
    """A fresh platform: a new RSA key and no tools, launches or grades."""
    key = JWK.generate(kty="RSA", size=2048)
    return {
        "platform_key": {
            "private_pem": key.export_to_pem(private_key=True, password=None).decode(),
            "public_pem": key.export_to_pem().decode(),
            "kid": key.thumbprint(),
        },
        "platform_guid": str(uuid.uuid4()),
        "config": dict(DEFAULT_CONFIG),
        "counters": {"tool": 0, "deployment": 0, "line_item": 0, "deep_link": 0},
        "tools": {},
        "deployments": [],
        "registration_tokens": {},
        "registrations": [],
        "contexts": {},
        "resource_links": {},
        "launches": [],
        "id_tokens": [],
        "auth_errors": [],
        "deep_link_requests": {},
        "deep_link_items": [],
        "line_items": [],
        "scores": [],
        "results": {},
        "rejected_scores": [],
        "token_requests": 0,
        "tokens": [],
        "token_errors": [],
        "used_jtis": {},
        "memberships": {},
        "returns": [],
    }


class Store:
    """Load-modify-save of ``state.json``, serialised across threads (and processes, by ``flock``)."""

    def __init__(self, state_dir: Path) -> None:
        self.dir = Path(state_dir)
        self.path = self.dir / STATE_FILE
        self._lock = threading.Lock()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.dir.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.dir / LOCK_FILE, "a+") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def _load(self) -> dict[str, Any]:
        if self.path.exists():
            return json.loads(self.path.read_text())
        return empty_state()

    def _save(self, state: dict[str, Any]) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=1, sort_keys=True))
        os.replace(tmp, self.path)

    def initialise(self) -> None:
        """Create the state (and the platform key) once per state dir; later starts reuse it."""
        with self._locked():
            if not self.path.exists():
                self._save(empty_state())

    def read(self) -> dict[str, Any]:
        """A consistent snapshot, for handlers that only look."""
        with self._locked():
            return self._load()

    @contextmanager
    def transaction(self) -> Iterator[dict[str, Any]]:
        """Yield the state to change in place; it is saved only if the block ends without an exception."""
        with self._locked():
            state = self._load()
            yield state
            self._save(state)


_store: Store | None = None


def get_store() -> Store:
    """The process-wide store, for the state dir named by ``LTI_PLATFORM_STATE_DIR``."""
    global _store  # one store per process, created on first use
    if _store is None:
        _store = Store(Path(os.environ["LTI_PLATFORM_STATE_DIR"]))
    return _store
