"""Schemathesis against the live server and its published schema: generated valid and invalid requests
to every operation, authenticated as an API client with every scope acting for a learner, never get a
5xx, and every response matches the schema (status code, content type, body)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from quizsite.accounts.models import Scope
from quizsite.accounts.services import api_client_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(900)]

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
    ]
)


def test_generated_requests_get_no_5xx_and_conforming_responses(live_server, synced, instructor, settings, tmp_path):
    # Generated requests are many and fast: rate limits and private-address checks would only add noise.
    settings.API_RATES = dict.fromkeys(settings.API_RATES, "100000/min")
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    _, key = api_client_create(name="fuzzer", owner=instructor, scopes=Scope.values)
    report = tmp_path / "junit.xml"
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{live_server.url}/api/schema/",
        "--url",
        f"{live_server.url}",
        "--checks",
        CHECKS,
        "--mode",
        "all",
        "--max-examples",
        "25",
        "--seed",
        "20261129",
        "--workers",
        "1",
        # A long poll (``wait`` up to 25 s on a submission still queued) answers after its wait, by design.
        "--request-timeout",
        "30",
        "--phases",
        "examples,coverage,fuzzing",
        "-H",
        f"Authorization: Bearer {key}",
        "-H",
        "X-Learner-Id: fuzz-learner",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
        "--no-color",
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=840, env={**os.environ, "SCHEMATHESIS_HOOKS": ""}
    )
    # The whole report is kept for reading after a failure; the assertion shows its end.
    (Path(settings.VAR_DIR) / "schemathesis-report.txt").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
