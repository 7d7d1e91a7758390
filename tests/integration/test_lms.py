"""An LMS integrates end to end: an instructor creates its client in the admin, the LMS registers a
webhook, submits for two of its learners, hears about the results through signed webhooks (after its
receiver failed the first deliveries), and downloads the grades as CSV.

Real parts: the live web server over HTTP, Redis, a Celery worker process (grading and webhook
delivery), the sandbox, PostgreSQL, and an HTTP receiver on 127.0.0.1.
"""

import csv
import io
import json
import re
import urllib.error
import urllib.request

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.helpers import exercise_file
from tests.webhook_receiver import WebhookReceiver, event_bodies

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


def _client_key_from_the_admin() -> str:
    admin = get_user_model().objects.create_superuser(username="head", password="pw-head-123456")
    browser = Client()
    browser.force_login(admin)
    page = browser.post(
        "/admin/accounts/apiclient/add/",
        {
            "name": "Canvas course ML-101",
            "owner": admin.pk,
            "scopes": ["read:content", "write:submissions", "read:grades", "admin:webhooks"],
            "is_active": "on",
        },
        follow=True,
    )
    assert page.status_code == 200
    return re.search(r"(gg_[0-9a-f]+_[\w-]+)", page.content.decode())[1]


class Lms:
    """What the LMS side does: plain HTTP with its key."""

    def __init__(self, base: str, key: str) -> None:
        self.base, self.key = base + "/api/v1", key

    def call(self, method: str, path: str, body=None, learner: str | None = None) -> tuple[int, bytes]:
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"}
        if learner:
            headers["X-Learner-Id"] = learner
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


def test_an_lms_submits_for_two_learners_hears_by_webhook_and_reads_grades(
    celery_worker_process, synced, live_server, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    lms = Lms(live_server.url, _client_key_from_the_admin())
    with WebhookReceiver(fail_first=2) as receiver:
        status, body = lms.call("POST", "/webhooks/", {"url": receiver.url, "events": ["submission.graded"]})
        assert status == 201, body
        receiver.secret = json.loads(body)["secret"]

        solutions = {
            "canvas-101": exercise_file("inverted-dropout", "solution.py"),
            "canvas-202": exercise_file("inverted-dropout", "wrong/no_rescale.py"),
        }
        for learner, code in solutions.items():
            status, body = lms.call("POST", "/exercises/inverted-dropout/submissions/", {"code": code}, learner=learner)
            assert status == 202, body

        events = receiver.wait_for_events(2, timeout=120)

    assert receiver.bad_signatures == 0
    assert len(receiver.requests) >= 4, "the first two deliveries failed and were retried"
    by_learner = {event["learner"]["external_id"]: event for event in event_bodies(events)}
    assert by_learner["canvas-101"]["verdict"] == "accepted" and by_learner["canvas-101"]["score"] == 1.0
    assert by_learner["canvas-202"]["verdict"] == "wrong_answer" and by_learner["canvas-202"]["score"] < 1.0
    retried = {request["headers"]["webhook-id"] for request in receiver.requests}
    assert retried == set(events), "retries reuse the webhook-id, so each event is seen once"

    status, body = lms.call("GET", "/grades/csv/")
    assert status == 200
    rows = {row["learner_external_id"]: row for row in csv.DictReader(io.StringIO(body.decode()))}
    assert set(rows) == {"canvas-101", "canvas-202"}
    for learner, event in by_learner.items():
        assert float(rows[learner]["best"]) == pytest.approx(event["score"])
        assert rows[learner]["item"] == "inverted-dropout" and rows[learner]["tries"] == "1"
