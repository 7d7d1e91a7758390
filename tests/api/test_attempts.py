"""The quiz attempt lifecycle through the API: start, answer as you go, submit, see explanations."""

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from quizsite.catalog.questions import correct_response, wrong_response
from quizsite.catalog.selectors import variant_of
from quizsite.catalog.services import content_sync
from quizsite.learning.models import Attempt
from tests.helpers import token_client

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2] / "exercises"


@pytest.fixture
def quizzes(tmp_path, settings):
    """The dropout topic, its quiz, and a timed, capped quiz, synced from files."""
    (tmp_path / "topics").mkdir()
    shutil.copytree(ROOT / "topics" / "dropout", tmp_path / "topics" / "dropout")
    (tmp_path / "quizzes").mkdir()
    shutil.copy(ROOT / "quizzes" / "dropout.toml", tmp_path / "quizzes")
    (tmp_path / "quizzes" / "timed.toml").write_text(
        'title = "Timed"\nmode = "topics"\ntopics = ["dropout"]\nquestion_count = 3\n'
        "time_limit_minutes = 5\nmax_attempts = 1\n"
    )
    settings.CONTENT_DIR = tmp_path
    content_sync(root=tmp_path)


def _start(api, slug="dropout"):
    response = api.post(f"/api/v1/quizzes/{slug}/attempts/")
    assert response.status_code == 201, response.content
    return response.json()


def _answer_everything(api, attempt, right=True):
    stored = Attempt.objects.get(pk=attempt["id"])
    for item in stored.items.select_related("question__topic"):
        variant = variant_of(item.question, str(stored.pk))
        response = correct_response(variant) if right else wrong_response(variant)
        result = api.put(
            f"/api/v1/attempts/{attempt['id']}/answers/{item.question.key}/", {"response": response}, format="json"
        )
        assert result.status_code == 200, result.content


def test_topics_and_quizzes_are_listed(api, quizzes):
    topics = api.get("/api/v1/topics/").json()
    assert [topic["slug"] for topic in topics] == ["dropout"]
    quizzes_listed = {quiz["slug"]: quiz for quiz in api.get("/api/v1/quizzes/").json()}
    assert quizzes_listed["timed"]["time_limit_minutes"] == 5 and quizzes_listed["dropout"]["question_count"] == 8


def test_a_started_attempt_shows_questions_but_never_answers(api, quizzes):
    attempt = _start(api)
    assert attempt["status"] == "started" and len(attempt["questions"]) == 8
    for question in attempt["questions"]:
        assert {"answer", "explanation", "correct_response", "score"}.isdisjoint(question)
        assert question["prompt"] and question["response"] is None


def test_answers_are_saved_as_given_and_survive_a_reload(api, quizzes):
    attempt = _start(api)
    first = attempt["questions"][0]
    stored = Attempt.objects.get(pk=attempt["id"])
    item = stored.items.get(question__key=first["id"])
    response = correct_response(variant_of(item.question, attempt["id"]))
    api.put(f"/api/v1/attempts/{attempt['id']}/answers/{first['id']}/", {"response": response}, format="json")
    reloaded = api.get(f"/api/v1/attempts/{attempt['id']}/").json()
    assert reloaded["status"] == "answering"
    assert reloaded["questions"][0]["response"] == response


def test_submitting_grades_with_explanations_and_topic_scores(api, quizzes):
    attempt = _start(api)
    _answer_everything(api, attempt, right=True)
    graded = api.post(f"/api/v1/attempts/{attempt['id']}/submit/").json()
    assert graded["status"] == "graded" and graded["score"] == 1.0
    assert graded["topic_scores"] == {"dropout": 1.0}
    assert all(question["explanation"] and question["score"] == 1.0 for question in graded["questions"])


def test_wrong_answers_score_below_one(api, quizzes):
    attempt = _start(api)
    _answer_everything(api, attempt, right=False)
    graded = api.post(f"/api/v1/attempts/{attempt['id']}/submit/").json()
    assert graded["score"] < 1.0


def test_answering_after_submit_is_rejected_clearly(api, quizzes):
    attempt = _start(api)
    api.post(f"/api/v1/attempts/{attempt['id']}/submit/")
    question = attempt["questions"][0]["id"]
    response = api.put(f"/api/v1/attempts/{attempt['id']}/answers/{question}/", {"response": 0}, format="json")
    assert response.status_code == 409
    assert "submitted" in response.json()["detail"]
    assert api.post(f"/api/v1/attempts/{attempt['id']}/submit/").status_code == 409


def test_someone_elses_attempt_is_a_404(api, quizzes, other_learner):
    attempt = _start(api)
    other = token_client(other_learner)
    assert other.get(f"/api/v1/attempts/{attempt['id']}/").status_code == 404
    assert other.post(f"/api/v1/attempts/{attempt['id']}/submit/").status_code == 404


def test_a_time_limit_that_ran_out_blocks_answers_but_submit_grades_what_was_saved(api, quizzes):
    attempt = _start(api, "timed")
    assert attempt["deadline"] is not None
    Attempt.objects.filter(pk=attempt["id"]).update(deadline=timezone.now() - timedelta(seconds=1))
    question = attempt["questions"][0]["id"]
    response = api.put(f"/api/v1/attempts/{attempt['id']}/answers/{question}/", {"response": 0}, format="json")
    assert response.status_code == 409 and "time limit" in response.json()["detail"]
    graded = api.post(f"/api/v1/attempts/{attempt['id']}/submit/").json()
    assert graded["status"] == "graded" and graded["score"] == 0.0


def test_the_attempt_cap_is_enforced(api, quizzes):
    attempt = _start(api, "timed")
    api.post(f"/api/v1/attempts/{attempt['id']}/submit/")
    response = api.post("/api/v1/quizzes/timed/attempts/")
    assert response.status_code == 409 and "1 attempts" in response.json()["detail"]


def test_starting_while_an_attempt_is_open_is_a_409_pointing_at_it(api, quizzes):
    attempt = _start(api)
    response = api.post("/api/v1/quizzes/dropout/attempts/")
    assert response.status_code == 409 and response["Content-Type"] == "application/problem+json"
    assert response["Location"].endswith(f"/api/v1/attempts/{attempt['id']}/")
    assert Attempt.objects.count() == 1
    api.post(f"/api/v1/attempts/{attempt['id']}/submit/")
    assert api.post("/api/v1/quizzes/dropout/attempts/").status_code == 201


def test_an_open_attempt_whose_time_ran_out_is_graded_when_the_next_starts(api, quizzes):
    from quizsite.catalog.models import Quiz

    Quiz.objects.filter(slug="timed").update(max_attempts=2)
    first = _start(api, "timed")
    Attempt.objects.filter(pk=first["id"]).update(deadline=timezone.now() - timedelta(seconds=1))
    second = _start(api, "timed")
    assert Attempt.objects.get(pk=first["id"]).status == "graded"
    assert second["id"] != first["id"]


def test_a_malformed_answer_is_a_400_naming_the_field(api, quizzes):
    attempt = _start(api)
    question = attempt["questions"][0]["id"]
    response = api.put(f"/api/v1/attempts/{attempt['id']}/answers/{question}/", {"response": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/response"


def test_an_unknown_question_is_a_404(api, quizzes):
    attempt = _start(api)
    response = api.put(f"/api/v1/attempts/{attempt['id']}/answers/nope/", {"response": 0}, format="json")
    assert response.status_code == 404


def test_each_attempt_gets_its_own_numbers_and_keeps_them(api, quizzes):
    from quizsite.catalog.models import Question

    question = Question.objects.get(key="dropout-scale")
    prompts = {variant_of(question, f"attempt-{n}").prompt for n in range(10)}
    assert len(prompts) > 1
    assert variant_of(question, "attempt-1").prompt == variant_of(question, "attempt-1").prompt


def test_a_retried_start_with_its_idempotency_key_returns_the_first_attempt_and_uses_no_other(api, quizzes):
    url = "/api/v1/quizzes/timed/attempts/"
    first = api.post(url, HTTP_IDEMPOTENCY_KEY="start-1")
    api.post(f"/api/v1/attempts/{first.json()['id']}/submit/")
    # The retry comes after the first attempt was used up and submitted: still the same attempt, not a 409.
    again = api.post(url, HTTP_IDEMPOTENCY_KEY="start-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"] and again.json()["status"] == "graded"
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert again["Location"] == first["Location"]
    assert Attempt.objects.count() == 1


def test_an_idempotency_key_used_for_another_quiz_or_a_submission_is_a_422(api, quizzes):
    assert api.post("/api/v1/quizzes/dropout/attempts/", HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    response = api.post("/api/v1/quizzes/timed/attempts/", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert Attempt.objects.count() == 1


def test_a_refused_start_stores_no_key_so_a_retry_is_tried_afresh(api, quizzes):
    attempt = _start(api)
    assert api.post("/api/v1/quizzes/dropout/attempts/", HTTP_IDEMPOTENCY_KEY="k2").status_code == 409
    api.post(f"/api/v1/attempts/{attempt['id']}/submit/")
    retried = api.post("/api/v1/quizzes/dropout/attempts/", HTTP_IDEMPOTENCY_KEY="k2")
    assert retried.status_code == 201 and retried.json()["id"] != attempt["id"]
    assert "Idempotent-Replayed" not in retried
