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
