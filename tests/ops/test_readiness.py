"""/readyz says whether the site can grade: database, broker, and a worker whose sandbox works."""

import pytest

from quizsite.ops.services import readiness, worker_sandbox_report

pytestmark = pytest.mark.django_db


def _broker_ok() -> None:
    return None


def _broker_down() -> None:
    raise ConnectionError("connection refused")


def test_without_any_worker_it_is_not_ready_and_says_why():
    report = readiness(broker_check=_broker_ok)
    assert report["ready"] is False
    assert "no grading worker" in report["checks"]["sandbox"]["error"]


def test_a_worker_with_a_working_sandbox_makes_it_ready():
    worker_sandbox_report(hostname="w1", pid=10, runtime="numpy", error=None)
    report = readiness(broker_check=_broker_ok)
    assert report["ready"] is True and report["checks"]["sandbox"]["workers"] == ["w1:10"]


def test_a_worker_whose_sandbox_failed_is_reported_with_its_reason():
    worker_sandbox_report(hostname="w1", pid=10, runtime="torch", error="cannot create a network namespace")
    report = readiness(broker_check=_broker_ok)
    assert report["ready"] is False
    assert "cannot create a network namespace" in report["checks"]["sandbox"]["error"]


def test_a_broker_that_is_down_makes_it_not_ready():
    worker_sandbox_report(hostname="w1", pid=10, runtime="numpy", error=None)
    report = readiness(broker_check=_broker_down)
    assert report["ready"] is False and "connection refused" in report["checks"]["broker"]["error"]


def test_the_endpoint_answers_503_then_200_with_the_real_broker(client):
    assert client.get("/readyz").status_code == 503
    worker_sandbox_report(hostname="w1", pid=10, runtime="numpy", error=None)
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["broker"] == {"ok": True}


def test_submissions_are_refused_with_503_when_no_worker_can_isolate_code(api, synced, client, learner):
    worker_sandbox_report(hostname="w1", pid=1, runtime="numpy", error="cannot create a user namespace (EPERM)")
    response = api.post("/api/v1/exercises/inverted-dropout/submissions/", {"code": "x = 1"}, format="json")
    assert response.status_code == 503 and response["Content-Type"] == "application/problem+json"
    assert "cannot create a user namespace" in response.json()["detail"]
    client.force_login(learner)
    page = client.get("/exercises/inverted-dropout/").content.decode()
    assert "Grading is unavailable" in page and 'id="submit-button" disabled' in page


def test_submissions_are_accepted_while_no_worker_has_reported_or_one_works(api, synced):
    url = "/api/v1/exercises/inverted-dropout/submissions/"
    assert api.post(url, {"code": "x = 1"}, format="json").status_code == 202
    worker_sandbox_report(hostname="w1", pid=1, runtime="numpy", error="broken")
    worker_sandbox_report(hostname="w2", pid=2, runtime="numpy", error=None)
    assert api.post(url, {"code": "x = 2"}, format="json").status_code == 202


def test_a_supervised_process_that_is_down_makes_it_not_ready_and_says_which():
    worker_sandbox_report(hostname="w1", pid=1, runtime="numpy", error=None)
    processes = {"broker": {"running": True}, "worker": {"running": False, "last_exit": "killed by SIGKILL"}}
    report = readiness(broker_check=_broker_ok, supervised=processes)
    assert report["ready"] is False
    assert report["checks"]["processes"]["error"] == "worker is down (killed by SIGKILL), restarting"
    processes["worker"]["running"] = True
    assert readiness(broker_check=_broker_ok, supervised=processes)["ready"] is True
