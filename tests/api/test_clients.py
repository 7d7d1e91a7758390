"""API clients: one key serves a course by naming learners with X-Learner-Id; each client sees only its
own learners, is limited by its scopes and shares one rate budget across its learners."""

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from quizsite.accounts.models import ExternalLearner
from quizsite.accounts.services import api_client_create, external_learner_user
from quizsite.learning.models import Submission
from tests.helpers import key_client, token_client

pytestmark = pytest.mark.django_db
SUBMIT = "/api/v1/exercises/inverted-dropout/submissions/"


@pytest.fixture
def no_enqueue(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        yield


def test_a_client_key_reads_content(lms, synced):
    _, key = lms
    response = key_client(key).get("/api/v1/exercises/")
    assert response.status_code == 200 and response.json()


def test_a_wrong_key_is_a_401_problem_that_challenges_for_a_bearer_key(synced):
    response = key_client("gg_0000_notakey").get("/api/v1/exercises/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'


def test_a_wrong_token_is_challenged_for_a_token(synced):
    response = APIClient(HTTP_AUTHORIZATION="Token 0123456789abcdef").get("/api/v1/exercises/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == 'Token realm="api"'


def test_no_credentials_are_challenged_for_both_schemes(synced):
    response = APIClient().get("/api/v1/exercises/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == 'Bearer realm="api", Token realm="api"'


def test_submitting_for_a_named_learner_creates_that_learner_once(lms, dropout, no_enqueue):
    client, key = lms
    first = key_client(key, "stu-41").post(SUBMIT, {"code": "x = 1\n"}, format="json")
    second = key_client(key, "stu-41").post(SUBMIT, {"code": "x = 2\n"}, format="json")
    assert first.status_code == second.status_code == 202
    learner = ExternalLearner.objects.get(client=client, external_id="stu-41").user
    assert set(Submission.objects.values_list("user", flat=True)) == {learner.pk}


def test_a_client_must_name_the_learner_it_submits_for(lms, dropout, no_enqueue):
    _, key = lms
    response = key_client(key).post(SUBMIT, {"code": "x = 1\n"}, format="json")
    assert response.status_code == 400 and response.json()["type"].endswith("/learner-required")
    assert not Submission.objects.exists()


def test_a_malformed_learner_id_is_a_400(lms, dropout):
    _, key = lms
    response = key_client(key, "two words").post(SUBMIT, {"code": "x = 1\n"}, format="json")
    assert response.status_code == 400 and "X-Learner-Id" in response.json()["detail"]


def test_a_person_cannot_use_x_learner_id(api, dropout):
    response = api.post(SUBMIT, {"code": "x = 1\n"}, format="json", HTTP_X_LEARNER_ID="someone")
    assert response.status_code == 403 and "X-Learner-Id" in response.json()["detail"]


def test_a_learner_sees_own_submissions_and_the_client_sees_all_of_its_learners(
    lms, learner, instructor, dropout, no_enqueue
):
    _, key = lms
    mine = key_client(key, "a").post(SUBMIT, {"code": "x = 1\n"}, format="json").json()["id"]
    theirs = key_client(key, "b").post(SUBMIT, {"code": "x = 1\n"}, format="json").json()["id"]
    outsider = token_client(learner).post(SUBMIT, {"code": "x = 1\n"}, format="json").json()["id"]
    _, other_key = api_client_create(name="Other", owner=instructor, scopes=["write:submissions"])
    stranger = key_client(other_key, "a").post(SUBMIT, {"code": "x = 1\n"}, format="json").json()["id"]

    def ids(client):
        return {row["id"] for row in client.get("/api/v1/submissions/").json()["results"]}

    assert ids(key_client(key, "a")) == {mine}
    assert ids(key_client(key)) == {mine, theirs}
    assert key_client(key).get(f"/api/v1/submissions/{outsider}/").status_code == 404
    assert key_client(key).get(f"/api/v1/submissions/{stranger}/").status_code == 404
    assert key_client(key, "a").get(f"/api/v1/submissions/{theirs}/").status_code == 404


def test_the_learner_filter_takes_the_clients_own_ids(lms, dropout, no_enqueue):
    _, key = lms
    key_client(key, "a").post(SUBMIT, {"code": "x = 1\n"}, format="json")
    key_client(key, "b").post(SUBMIT, {"code": "x = 1\n"}, format="json")
    rows = key_client(key).get("/api/v1/submissions/?learner=b").json()["results"]
    assert len(rows) == 1


def test_a_client_regrades_its_own_learners_submissions_only(lms, instructor, learner, dropout, no_enqueue):
    _, key = lms
    own = key_client(key, "a").post(SUBMIT, {"code": "x = 1\n"}, format="json").json()["id"]
    foreign = token_client(learner).post(SUBMIT, {"code": "x = 1\n"}, format="json").json()["id"]
    Submission.objects.update(status="done", verdict="accepted", score=1.0)
    assert key_client(key).post(f"/api/v1/submissions/{own}/regrade/").status_code == 202
    assert key_client(key).post(f"/api/v1/submissions/{foreign}/regrade/").status_code == 404


def test_a_missing_scope_is_a_403_naming_it(instructor, synced):
    _, key = api_client_create(name="Grades only", owner=instructor, scopes=["read:grades"])
    response = key_client(key).get("/api/v1/exercises/")
    assert response.status_code == 403 and "read:content" in response.json()["detail"]


def test_grades_name_the_clients_learners_by_their_external_id(lms, learner, dropout, no_enqueue):
    _, key = lms
    key_client(key, "stu-7").post(SUBMIT, {"code": "x = 1\n"}, format="json")
    token_client(learner).post(SUBMIT, {"code": "x = 1\n"}, format="json")
    Submission.objects.update(status="done", verdict="accepted", score=1.0)
    rows = key_client(key).get("/api/v1/grades/").json()["results"]
    assert [(row["learner"]["external_id"], row["best"]) for row in rows] == [("stu-7", 1.0)]


@override_settings(
    API_RATES={
        "requests": "100/min",
        "submissions": "100/min",
        "client_requests": "3/min",
        "client_submissions": "100/min",
    }
)
def test_a_clients_learners_share_the_clients_rate_limit(lms, synced, api):
    _, key = lms
    statuses = [key_client(key, learner).get("/api/v1/exercises/").status_code for learner in "abcd"]
    assert statuses == [200, 200, 200, 429]
    limited = key_client(key, "e").get("/api/v1/exercises/")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert api.get("/api/v1/exercises/").status_code == 200, "people keep their own budget"


def test_head_needs_the_same_scope_as_get(instructor, synced):
    _, key = api_client_create(name="No scopes", owner=instructor, scopes=[])
    assert key_client(key).head("/api/v1/grades/").status_code == 403
    assert key_client(key).head("/api/v1/exercises/").status_code == 403


def test_quiz_answers_from_a_client_need_a_named_learner(lms, synced):
    from quizsite.catalog.models import Quiz
    from quizsite.learning import attempts

    client, key = lms
    learner = external_learner_user(client=client, external_id="stu-1")
    attempt = attempts.attempt_start(user=learner, quiz=Quiz.objects.get(slug="dropout"))
    response = key_client(key).post(f"/api/v1/attempts/{attempt.pk}/submit/")
    assert response.status_code == 400 and response.json()["type"].endswith("/learner-required")


def test_grades_csv_defuses_ids_a_spreadsheet_would_run(lms, dropout, no_enqueue):
    import csv
    import io

    _, key = lms
    key_client(key, '=HYPERLINK("http://x")').post(SUBMIT, {"code": "x = 1\n"}, format="json")
    Submission.objects.update(status="done", verdict="accepted", score=1.0)
    body = key_client(key).get("/api/v1/grades/csv/").content.decode()
    row = next(csv.DictReader(io.StringIO(body)))
    assert row["learner_external_id"] == '\'=HYPERLINK("http://x")'
    assert row["learner_username"].startswith("lms")
