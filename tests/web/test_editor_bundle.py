"""The committed editor bundle is exactly what frontend/ builds from its pinned sources."""

import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[2]
STATIC = Path("quizsite") / "web" / "static" / "web"
BUILT_FILES = ("editor.js", "editor.js.LICENSE.txt")


def _npm(*args: str, cwd: Path) -> None:
    result = subprocess.run(["npm", *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"npm {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"


def test_the_committed_bundle_matches_a_fresh_build(tmp_path):
    if shutil.which("npm") is None:
        pytest.fail("npm not found: the editor bundle cannot be rebuilt (apt-get install -y nodejs npm)")
    frontend = tmp_path / "frontend"
    shutil.copytree(ROOT / "frontend", frontend, ignore=shutil.ignore_patterns("node_modules"))
    # build.mjs writes to ../quizsite/web/static/web, which here is inside tmp_path, not the checkout.
    _npm("ci", "--no-audit", "--no-fund", "--prefer-offline", cwd=frontend)
    _npm("run", "build", cwd=frontend)
    for name in BUILT_FILES:
        built = (tmp_path / STATIC / name).read_bytes()
        committed = (ROOT / STATIC / name).read_bytes()
        assert built == committed, f"{STATIC / name} is stale: run `npm ci && npm run build` in frontend/ and commit it"
