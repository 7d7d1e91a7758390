"""Idempotent submission, listing with filters and cursors, regrade, rate limits and error format."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from quizsite.api.errors import json_exception_handler
from quizsite.learning.models import IdempotencyKey, Submission
from tests.helpers import make_course, make_submission, token_client

pytestmark = pytest.mark.django_db
URL = "/api/v1/exercises/inverted-dropout/submissions/"


def test_the_same_idempotency_key_and_body_return_the_first_submission(
    api, dropout, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = api.post(URL, {"code": "x = 1\n"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        again = api.post(URL, {"code": "x = 1\n"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Submission.objects.count() == 1 and len(callbacks) == 1


def test_the_same_key_with_another_body_is_a_422(api, dropout, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        api.post(URL, {"code": "x = 1\n"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
        response = api.post(URL, {"code": "x = 2\n"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert Submission.objects.count() == 1


def test_keys_expire_after_a_day(api, dropout, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first = api.post(URL, {"code": "x = 1\n"}, format="json", HTTP_IDEMPOTENCY_KEY="k-3").json()
        IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
        second = api.post(URL, {"code": "x = 1\n"}, format="json", HTTP_IDEMPOTENCY_KEY="k-3").json()
    assert first["id"] != second["id"]


def test_keys_belong_to_one_user(api, other_learner, dropout, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        mine = api.post(URL, {"code": "x = 1\n"}, format="json", HTTP_IDEMPOTENCY_KEY="shared").json()
        theirs = token_client(other_learner).post(
            URL, {"code": "x = 1\n"}, format="json", HTTP_IDEMPOTENCY_KEY="shared"
        )
    assert theirs.status_code == 202 and theirs.json()["id"] != mine["id"]


def test_the_list_shows_only_my_submissions_newest_first_with_filters(api, learner, other_learner, dropout):
    old = make_submission(user=learner, status="done", verdict="accepted", score=1.0)
    new = make_submission(user=learner)
    make_submission(user=other_learner)
    listed = api.get("/api/v1/submissions/").json()
    assert [row["id"] for row in listed["results"]] == [str(new.pk), str(old.pk)]
    assert [row["id"] for row in api.get("/api/v1/submissions/?status=done").json()["results"]] == [str(old.pk)]
    assert api.get("/api/v1/submissions/?exercise=no-such").json()["results"] == []
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    assert api.get("/api/v1/submissions/", {"updated_since": future}).json()["results"] == []


def test_staff_filter_by_learner(instructor, learner, other_learner, teaching, dropout):
    make_submission(user=learner)
    make_submission(user=other_learner)
    rows = token_client(instructor).get("/api/v1/submissions/?learner=grace").json()["results"]
    assert len(rows) == 1


def test_the_list_pages_with_a_cursor(api, learner, dropout):
    for _ in range(5):
        make_submission(user=learner)
    first = api.get("/api/v1/submissions/?page_size=2").json()
    assert len(first["results"]) == 2 and first["next"]
    second = api.get(first["next"]).json()
    assert {row["id"] for row in first["results"]}.isdisjoint({row["id"] for row in second["results"]})


def test_bad_filters_are_a_400_naming_the_field(api, dropout):
    response = api.get("/api/v1/submissions/?updated_since=yesterday")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/updated_since"


@pytest.mark.parametrize("stamp", ["2026-12-05T10:00:00", "2026-12-05", "2026-12-05 10:00"])
def test_updated_since_without_an_offset_is_a_400(api, dropout, stamp):
    response = api.get("/api/v1/submissions/", {"updated_since": stamp})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["pointer"] == "/updated_since" and "offset" in error["detail"]


@pytest.mark.parametrize("stamp", ["2026-12-05T10:00:00Z", "2026-12-05T11:00:00+01:00", "2026-12-05T10:00:00.123456Z"])
def test_updated_since_with_an_offset_is_accepted(api, dropout, stamp):
    assert api.get("/api/v1/submissions/", {"updated_since": stamp}).status_code == 200


def test_staff_can_regrade_a_graded_submission(
    instructor, learner, teaching, dropout, django_capture_on_commit_callbacks
):
    submission = make_submission(user=learner, status="done", verdict="wrong_answer", score=0.5, attempts=1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = token_client(instructor).post(f"/api/v1/submissions/{submission.pk}/regrade/")
    assert response.status_code == 202
    submission.refresh_from_db()
    assert (submission.status, submission.verdict, submission.attempts) == ("queued", None, 0)
    assert len(callbacks) == 1


def test_a_regraded_submission_tells_the_learner_when_and_what_it_was_before(
    instructor, api, learner, dropout, django_capture_on_commit_callbacks
):
    make_course(instructors=[instructor], learners=[learner])
    submission = make_submission(
        user=learner, status="done", verdict="wrong_answer", score=0.5, exercise_version="v1", attempts=1
    )
    assert api.get(f"/api/v1/submissions/{submission.pk}/").json()["regraded"] is None
    with django_capture_on_commit_callbacks(execute=False):
        token_client(instructor).post(f"/api/v1/submissions/{submission.pk}/regrade/")
    for body in (api.get(f"/api/v1/submissions/{submission.pk}/").json(), api.get("/api/v1/submissions/").json()):
        regraded = (body["results"][0] if "next" in body else body)["regraded"]
        assert regraded["at"] and regraded["reason"] == ""
        assert (regraded["previous_verdict"], regraded["previous_score"]) == ("wrong_answer", 0.5)
        assert regraded["previous_exercise_version"] == "v1"


def test_regrading_is_refused_while_grading_and_for_learners(instructor, api, learner, teaching, dropout):
    submission = make_submission(user=learner, status="running")
    assert token_client(instructor).post(f"/api/v1/submissions/{submission.pk}/regrade/").status_code == 409
    assert api.post(f"/api/v1/submissions/{submission.pk}/regrade/").status_code == 403


def test_too_many_submissions_get_a_429_with_retry_after(api, dropout, settings, django_capture_on_commit_callbacks):
    settings.API_RATES = {**settings.API_RATES, "submissions": "2/min"}
    with django_capture_on_commit_callbacks(execute=False):
        codes = [api.post(URL, {"code": "x = 1\n"}, format="json").status_code for _ in range(3)]
        response = api.post(URL, {"code": "x = 1\n"}, format="json")
    assert codes == [202, 202, 429]
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert response["Content-Type"] == "application/problem+json"


def test_the_rate_limit_counts_fixed_windows_and_says_when_the_next_one_opens(
    api, dropout, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.API_RATES = {**settings.API_RATES, "submissions": "2/min"}
    now = [6_000_000.0 + 45]  # 45 s into a minute-long window
    monkeypatch.setattr(SimpleRateThrottle, "timer", lambda self: now[0])
    with django_capture_on_commit_callbacks(execute=False):
        codes = [api.post(URL, {"code": "x = 1\n"}, format="json") for _ in range(3)]
        assert [response.status_code for response in codes] == [202, 202, 429]
        assert codes[2]["Retry-After"] == "15"
        now[0] += 15
        assert api.post(URL, {"code": "x = 1\n"}, format="json").status_code == 202


def test_every_throttled_response_says_what_is_left_of_the_tightest_budget(
    api, dropout, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.API_RATES = {**settings.API_RATES, "requests": "100/min", "submissions": "2/min"}
    now = [6_000_000.0 + 45]
    monkeypatch.setattr(SimpleRateThrottle, "timer", lambda self: now[0])
    listed = api.get("/api/v1/exercises/")
    assert (listed["RateLimit-Limit"], listed["RateLimit-Remaining"], listed["RateLimit-Reset"]) == ("100", "99", "15")
    with django_capture_on_commit_callbacks(execute=False):
        answers = [api.post(URL, {"code": "x = 1\n"}, format="json") for _ in range(3)]
    # The submission budget (2 a minute) is the tightest; the 429 carries the headers too.
    assert [(r["RateLimit-Limit"], r["RateLimit-Remaining"]) for r in answers] == [("2", "1"), ("2", "0"), ("2", "0")]
    assert answers[2].status_code == 429 and answers[2]["RateLimit-Reset"] == answers[2]["Retry-After"] == "15"


def test_unknown_api_paths_are_problem_json_404s(api):
    for path in ("/api/v1/nope/", "/api/v2/exercises/", "/api/v1/exercises/inverted-dropout/nothing/"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/problem+json", path


def test_unsupported_media_type_is_a_415(api, dropout):
    response = api.post(URL, data="code=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json()["status"] == 415


def test_an_unexpected_error_is_a_500_with_a_correlation_id_and_no_trace(caplog):
    with caplog.at_level(logging.ERROR):
        response = json_exception_handler(RuntimeError("secret internals"), {})
    assert response.status_code == 500
    body = response.data
    assert "secret internals" not in str(body) and "Traceback" not in str(body)
    correlation_id = body["detail"].split("error id ")[1].rstrip(").")
    assert correlation_id in caplog.text


def test_a_key_stored_before_keys_named_their_resource_still_replays(
    api, learner, dropout, django_capture_on_commit_callbacks
):
    import hashlib

    with django_capture_on_commit_callbacks(execute=False):
        first = api.post(URL, {"code": "x = 1\n"}, format="json", HTTP_IDEMPOTENCY_KEY="old-key").json()
    # As the migration carried it over: the hash of the request alone, as submissions always stored it.
    legacy = hashlib.sha256(f"{dropout.pk}\0False\0x = 1\n".encode()).hexdigest()
    assert IdempotencyKey.objects.get(key="old-key").request_hash == legacy
    with django_capture_on_commit_callbacks(execute=False):
        again = api.post(URL, {"code": "x = 1\n"}, format="json", HTTP_IDEMPOTENCY_KEY="old-key")
    assert again.json()["id"] == first["id"] and again["Idempotent-Replayed"] == "true"


def test_an_idempotency_key_over_255_characters_is_a_400(api, dropout, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(URL, {"code": "x = 1\n"}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 256)
    assert response.status_code == 400 and response.json()["errors"][0]["pointer"] == "/Idempotency-Key"
    assert Submission.objects.count() == 0


def test_grades_refuse_the_old_format_parameter(api, dropout):
    response = api.get("/api/v1/grades/?format=csv")
    assert response.status_code == 400 and "/api/v1/grades/csv/" in response.json()["errors"][0]["detail"]
