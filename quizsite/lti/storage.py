"""pylti1p3's launch data storage, kept in the database (see :class:`~quizsite.lti.models.LaunchState`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from pylti1p3.launch_data_storage.base import LaunchDataStorage

from quizsite.lti.models import LaunchState

_DEFAULT_LIFETIME = 3600


class DatabaseLaunchStorage(LaunchDataStorage):
    """States, nonces and launch data as rows; expired rows read as absent and are pruned by a task."""

    def get_session_cookie_name(self) -> None:
        # Keys are not scoped to a cookie: a launch in an iframe may have no cookies at all. What binds a
        # launch to its login is the single-use state and nonce (see launch.ToolMessageLaunch).
        return None

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        key = self._prepare_key(key)
        if not _storable(key):
            return None
        row = LaunchState.objects.filter(key=key, expires_at__gt=timezone.now()).first()
        return None if row is None else row.value

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        launch_state_put(self._prepare_key(key), value, lifetime_seconds=exp or _DEFAULT_LIFETIME)

    def check_value(self, key: str) -> bool:
        key = self._prepare_key(key)
        return _storable(key) and LaunchState.objects.filter(key=key, expires_at__gt=timezone.now()).exists()

    def take(self, key: str) -> Any:
        """Delete ``key`` and return its value if it is there and unexpired; None for everyone but the one
        caller whose DELETE removed it."""
        return launch_state_take(self._prepare_key(key))


def _storable(key: str) -> bool:
    # Keys come from requests (a state, a nonce, a token in a URL): one that no row can have is absent,
    # not an error from the database.
    return len(key) <= 255 and "\x00" not in key


def launch_state_take(key: str) -> Any:
    """Delete the launch state ``key`` and return its value; None if it was absent, expired or taken first
    by another request."""
    if not _storable(key):
        return None
    row = LaunchState.objects.filter(key=key, expires_at__gt=timezone.now()).first()
    if row is None:
        return None
    deleted, _ = LaunchState.objects.filter(key=key).delete()
    return row.value if deleted == 1 else None


def launch_state_put(key: str, value: Any, *, lifetime_seconds: int) -> None:
    """Store ``value`` under ``key`` for ``lifetime_seconds``."""
    expires_at = timezone.now() + timedelta(seconds=lifetime_seconds)
    LaunchState.objects.update_or_create(key=key, defaults={"value": value, "expires_at": expires_at})


def launch_states_prune() -> int:
    """Delete expired launch states; returns how many."""
    deleted, _ = LaunchState.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
