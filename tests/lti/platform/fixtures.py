"""The ``lti_platform`` fixture, to import into a conftest: ``from tests.lti.platform.fixtures import lti_platform``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .harness import Platform


@pytest.fixture
def lti_platform(tmp_path: Path) -> Iterator[Platform]:
    """A running platform with a fresh state dir and a free port, stopped after the test."""
    platform = Platform(tmp_path / "lti-platform")
    platform.start()
    try:
        yield platform
    finally:
        platform.stop()
