"""What an LMS needs to keep a copy in step: lists that say whose work changed and when, walked oldest change
first with a cursor, for submissions and quiz attempts; quiz detail; one identity and one timestamp format on
every surface (REST, webhooks, CSV)."""

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from quizsite.accounts.services import external_learner_user
from quizsite.learning.models import Attempt, Submission
from tests.helpers import key_client, make_submission, token_client

pytestmark = pytest.mark.django_db
RFC3339_MICROS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def _walk(client, url: str) -> list[dict]:
    """Every row of a cursor-paginated list, page after page."""
    rows = []
    while url:
        body = client.get(url).json()
        rows += body["results"]
        url = body["next"]
    return rows


def test_submission_items_say_whose_they_are_what_they_were_graded_against_and_when_they_changed(lms, dropout):
    client, key = lms
    user = external_learner_user(client=client, external_id="stu-9")
    make_submission(user=user, status="done", verdict="accepted", score=1.0, exercise_version="abc123")
    row = key_client(key).get("/api/v1/submissions/").json()["results"][0]
    assert row["learner"] == {"username": user.username, "external_id": "stu-9"}
    assert row["exercise_version"] == "abc123"
    assert RFC3339_MICROS.match(row["updated_at"]) and RFC3339_MICROS.match(row["created_at"])


def test_a_sync_by_updated_at_sees_every_change_once_in_order_and_a_later_change_again(api, learner, dropout):
    rows = [make_submission(user=learner) for _ in range(5)]
    base = timezone.now() - timedelta(hours=1)
    # Changed in the reverse order of creation: the sync order is the change order, not the creation order.
    for minutes, submission in enumerate(reversed(rows)):
        Submission.objects.filter(pk=submission.pk).update(updated_at=base + timedelta(minutes=minutes))
    expected = [str(submission.pk) for submission in reversed(rows)]
    first_page = api.get("/api/v1/submissions/?ordering=updated_at&page_size=2").json()
    assert [row["id"] for row in first_page["results"]] == expected[:2]
    # A row already read changes while the client pages: it comes again at the end, nothing is skipped.
    Submission.objects.filter(pk=expected[0]).update(updated_at=timezone.now())
    rest = _walk(api, first_page["next"])
    assert [row["id"] for row in rest] == expected[2:] + expected[:1]
    # The next sync starts from the last change it saw.
    since = rest[-1]["updated_at"]
    again = _walk(api, f"/api/v1/submissions/?ordering=updated_at&updated_since={since}")
    assert [row["id"] for row in again] == expected[:1]


def test_a_sync_walks_a_run_of_equal_timestamps_without_repeating_or_skipping(api, learner, dropout, settings):
    rows = [make_submission(user=learner) for _ in range(7)]
    # One regrade stamps all its submissions with the same time.
    Submission.objects.update(updated_at=timezone.now() - timedelta(minutes=5))
    seen = _walk(api, "/api/v1/submissions/?ordering=updated_at&page_size=2")
    assert sorted(row["id"] for row in seen) == sorted(str(row.pk) for row in rows)
    assert len(seen) == 7
    first = api.get("/api/v1/submissions/?ordering=updated_at&page_size=2").json()
    assert first["previous"] is None
    assert api.get("/api/v1/submissions/?ordering=updated_at&cursor=bm9wZQ").status_code == 404


def test_an_unknown_ordering_is_a_400(api, dropout):
    response = api.get("/api/v1/submissions/?ordering=score")
    assert response.status_code == 400 and response.json()["errors"][0]["pointer"] == "/ordering"


def test_attempts_list_with_filters_and_sync_order(lms, learner, synced):
    from quizsite.catalog.models import Quiz
    from quizsite.learning import attempts

    client, key = lms
    quiz = Quiz.objects.get(slug="dropout")
    stu = external_learner_user(client=client, external_id="stu-1")
    done = attempts.attempt_submit(attempt=attempts.attempt_start(user=stu, quiz=quiz))
    open_attempt = attempts.attempt_start(user=stu, quiz=quiz)
    attempts.attempt_start(user=learner, quiz=quiz)  # not the client's learner: never listed to it
    lms_client = key_client(key)
    rows = _walk(lms_client, "/api/v1/attempts/")
    assert [row["id"] for row in rows] == [str(open_attempt.pk), str(done.pk)]
    assert rows[1]["learner"] == {"username": stu.username, "external_id": "stu-1"}
    assert "questions" not in rows[0] and RFC3339_MICROS.match(rows[0]["updated_at"])
    graded = _walk(lms_client, "/api/v1/attempts/?status=graded&quiz=dropout&learner=stu-1")
    assert [row["id"] for row in graded] == [str(done.pk)]
    # Answering changes the attempt: a sync by updated_at sees it last.
    before = Attempt.objects.get(pk=open_attempt.pk).updated_at
    item = open_attempt.items.select_related("question").first()
    from quizsite.catalog.questions import correct_response
    from quizsite.catalog.selectors import variant_of

    answer = correct_response(variant_of(item.question, str(open_attempt.pk)))
    attempts.attempt_answer(attempt=open_attempt, question_key=item.question.key, response=answer)
    assert Attempt.objects.get(pk=open_attempt.pk).updated_at > before
    synced_rows = _walk(lms_client, f"/api/v1/attempts/?ordering=updated_at&updated_since={rows[1]['updated_at']}")
    assert [row["id"] for row in synced_rows][-1] == str(open_attempt.pk)


def test_a_quiz_has_its_own_resource(api, synced):
    body = api.get("/api/v1/quizzes/dropout/").json()
    assert body["slug"] == "dropout" and body["question_count"] >= 1 and "questions" not in body
    assert api.get("/api/v1/quizzes/no-such-quiz/").status_code == 404


def test_one_identity_and_one_timestamp_format_across_rest_webhooks_and_csv(lms, dropout, settings):
    from quizsite.webhooks import services as webhooks
    from quizsite.webhooks.models import WebhookDelivery
    from tests.helpers import graded_through_services

    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    client, key = lms
    webhooks.endpoint_create(client=client, url="http://127.0.0.1:9/hook", events=["submission.graded"])
    submission = graded_through_services(external_learner_user(client=client, external_id="canvas-7"), dropout)
    event = json.loads(WebhookDelivery.objects.get().payload)
    rest = key_client(key).get(f"/api/v1/submissions/{submission.pk}/").json()
    grades = key_client(key).get("/api/v1/grades/").json()["results"][0]
    row = next(csv.DictReader(io.StringIO(key_client(key).get("/api/v1/grades/csv/").content.decode())))
    assert event["data"]["learner"] == rest["learner"] == grades["learner"]
    assert (row["learner_username"], row["learner_external_id"]) == (
        rest["learner"]["username"],
        rest["learner"]["external_id"],
    )
    stamps = [event["timestamp"], event["data"]["finished_at"], rest["finished_at"], grades["last_at"], row["last_at"]]
    assert all(RFC3339_MICROS.match(stamp) for stamp in stamps), stamps
    assert event["data"]["finished_at"] == rest["finished_at"] == grades["last_at"] == row["last_at"]


def test_staff_name_a_learner_by_username_in_every_list(instructor, learner, teaching, dropout):
    make_submission(user=learner, status="done", score=1.0)
    row = token_client(instructor).get("/api/v1/submissions/").json()["results"][0]
    assert row["learner"] == {"username": "ada", "external_id": None}
