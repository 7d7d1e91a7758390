"""Learner pages render content, require login where they should, and load no asset from a CDN."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_topic_list_shows_topics_and_exercises(client, dropout):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Dropout" in response.content and b"Inverted dropout" in response.content


def test_the_exercise_page_needs_a_login(client, dropout):
    response = client.get("/exercises/inverted-dropout/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_exercise_page_renders_statement_starter_and_editor(client, learner, dropout):
    client.force_login(learner)
    response = client.get("/exercises/inverted-dropout/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Inverted dropout</h1>" in html
    assert "raise NotImplementedError" in html
    assert "web/editor.js" in html
    assert "Run examples" in html and "Backward multiplies the gradient by the forward mask" in html


def test_a_regraded_submission_shows_when_why_and_the_result_before(
    client, learner, dropout, django_capture_on_commit_callbacks
):
    from quizsite.learning.services import submission_regrade
    from tests.helpers import make_submission

    submission = make_submission(user=learner, status="done", verdict="wrong_answer", score=0.5)
    with django_capture_on_commit_callbacks(execute=False):
        regraded = submission_regrade(submission_id=submission.pk, reason="The statistics check was too strict")
    client.force_login(learner)
    html = client.get("/exercises/inverted-dropout/").content.decode()
    day = f"{regraded.regraded_at:%Y-%m-%d}"
    assert f"Regraded on {day}: The statistics check was too strict (before: Wrong answer, 50%)" in html


def test_the_history_shows_each_state_of_a_submission_and_escapes_what_staff_wrote(
    client, learner, dropout, django_capture_on_commit_callbacks
):
    from quizsite.learning.services import submission_regrade
    from tests.helpers import make_submission

    results = [{"name": "a", "passed": True}, {"name": "b", "passed": False}]
    queued = make_submission(user=learner)
    example = make_submission(user=learner, examples_only=True, status="done", verdict="wrong_answer", results=results)
    graded = make_submission(user=learner, status="done", verdict="wrong_answer", score=0.125)
    regraded = make_submission(user=learner, status="done", verdict="accepted", score=1.0)
    with django_capture_on_commit_callbacks(execute=False):
        submission_regrade(submission_id=regraded.pk, reason='<script>alert("x")</script> & more')
    client.force_login(learner)
    html = client.get("/exercises/inverted-dropout/history/").content.decode()
    rows = {
        item.pk: html.split(f'<li data-submission="{item.pk}"')[1].split("</li>")[0]
        for item in (queued, example, graded, regraded)
    }
    assert "· Queued" in rows[queued.pk] and '<span class="tag">Graded</span>' in rows[queued.pk]
    assert rows[example.pk].startswith(' class="example-run">') and "1 of 2 examples passed" in rows[example.pk]
    assert '<span class="verdict wrong_answer">Wrong answer</span> · 12%' in rows[graded.pk]
    assert f'href="/exercises/inverted-dropout/?submission={graded.pk}#result"' in rows[graded.pk]
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more (before: Accepted, 100%)" in rows[regraded.pk]
    assert "<script>" not in html


def test_the_exercise_page_shows_nothing_of_the_hidden_checks_or_the_reference(client, learner, dropout):
    # Canaries (plain words, unchanged by HTML escaping) planted in what must stay hidden.
    dropout.checks_source += "\n# CANARY-CHECKS-7f3a\n"
    dropout.solution_code += "\n# CANARY-SOLUTION-7f3a\n"
    dropout.save()
    client.force_login(learner)
    html = client.get("/exercises/inverted-dropout/").content.decode()
    assert "CANARY-CHECKS-7f3a" not in html and "CANARY-SOLUTION-7f3a" not in html


def test_pages_load_scripts_and_styles_only_from_this_site(client, learner, dropout):
    client.force_login(learner)
    html = client.get("/exercises/inverted-dropout/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and not [url for url in sources if url.startswith(("http:", "https:", "//"))]


def test_statement_markdown_cannot_inject_script(client, learner, dropout):
    dropout.statement = "Hello <script>alert(1)</script> <img src=x onerror=alert(2)>"
    dropout.save()
    client.force_login(learner)
    html = client.get("/exercises/inverted-dropout/").content.decode()
    assert "<script>alert(1)" not in html and "onerror" not in html


def test_static_editor_assets_are_served(client):
    assert client.get("/static/web/editor.js").status_code == 200


def test_signup_creates_an_account_and_logs_in(client, synced):
    response = client.post(
        "/accounts/signup/", {"username": "newbie", "password1": "a-long-pass-9876", "password2": "a-long-pass-9876"}
    )
    assert response.status_code == 302
    assert client.get("/").context["user"].username == "newbie"


def test_healthz_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"


def test_the_topic_page_shows_its_lesson_quiz_and_exercises(client, dropout):
    from quizsite.catalog.models import Lesson, Topic

    Lesson.objects.update_or_create(topic=Topic.objects.get(slug="dropout"), defaults={"body": "# Dropout\n\nWhy."})
    html = client.get("/topics/dropout/").content.decode()
    assert "<h1>Dropout</h1>" in html and "Quiz: Dropout" in html and "Inverted dropout" in html


def test_the_dashboard_needs_a_login_and_lists_every_topic(client, learner, dropout):
    assert client.get("/dashboard/").status_code == 302
    client.force_login(learner)
    html = client.get("/dashboard/").content.decode()
    assert 'data-topic="dropout"' in html and "not started" in html


def test_starting_a_quiz_from_the_page_opens_the_attempt(client, learner, dropout):
    client.force_login(learner)
    response = client.post("/quizzes/dropout/start/")
    assert response.status_code == 302 and "/attempts/" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert page.count('class="question"') == 8


def test_the_admin_lists_quiz_content(client, instructor, dropout):
    client.force_login(instructor)
    instructor.is_superuser = True
    instructor.save()
    for url in ("/admin/catalog/question/", "/admin/catalog/quiz/", "/admin/learning/attempt/"):
        assert client.get(url).status_code == 200, url


def test_the_quiz_start_page_answers_a_get_so_login_can_return_to_it(client, learner, dropout):
    client.force_login(learner)
    response = client.get("/quizzes/dropout/start/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Start the quiz" in html and "Unlimited attempts" in html and "Resume" not in html
    assert not learner.attempts.exists()  # looking does not start an attempt


def test_the_quiz_start_page_offers_resume_while_an_attempt_is_open(client, learner, dropout):
    client.force_login(learner)
    attempt_url = client.post("/quizzes/dropout/start/")["Location"]
    html = client.get("/quizzes/dropout/start/").content.decode()
    assert f'href="{attempt_url}"' in html and "0 of 8 answered" in html
    assert client.post("/quizzes/dropout/start/")["Location"] == attempt_url  # starting again resumes


def test_an_attempt_opened_after_its_deadline_is_graded_with_what_was_saved(client, learner, dropout):
    from datetime import timedelta

    from django.utils import timezone

    client.force_login(learner)
    attempt_url = client.post("/quizzes/dropout/start/")["Location"]
    attempt = learner.attempts.get()
    attempt.deadline = timezone.now() - timedelta(seconds=1)
    attempt.save()
    html = client.get(attempt_url).content.decode()
    attempt.refresh_from_db()
    assert attempt.status == "graded" and 'id="attempt-score"' in html


def test_the_dashboard_says_verdicts_in_words_and_quiz_only_topics_without_a_fraction(client, learner, dropout):
    from quizsite.catalog.models import Topic
    from tests.helpers import make_submission

    make_submission(user=learner, exercise=dropout, status="done", verdict="wrong_answer", score=0.5)
    # Every shipped topic has an exercise now: a topic with questions only is made here.
    Topic.objects.create(slug="quiz-only-topic", title="A topic with questions only", position=99)
    client.force_login(learner)
    html = client.get("/dashboard/").content.decode()
    assert "Wrong answer" in html and "wrong_answer" not in html.replace('verdict="wrong_answer"', "")
    assert "0 / 0" not in html and "0 of 0" not in html and "quiz only" in html


def test_an_exercise_page_opens_only_the_learners_own_submissions(client, learner, other_learner, dropout):
    from tests.helpers import make_submission

    theirs = make_submission(user=other_learner, exercise=dropout, code="SECRET = 42\n", status="done")
    mine = make_submission(user=learner, exercise=dropout, code="MINE = 1\n", status="done")
    client.force_login(learner)
    html = client.get(f"/exercises/inverted-dropout/?submission={theirs.pk}").content.decode()
    assert "SECRET" not in html and "data-open-url" not in html
    assert "SECRET" not in client.get("/exercises/inverted-dropout/?submission=not-a-uuid").content.decode()
    html = client.get(f"/exercises/inverted-dropout/?submission={mine.pk}").content.decode()
    assert "MINE = 1" in html and f"/api/v1/submissions/{mine.pk}/" in html


def test_the_history_fragment_lists_only_the_learners_own_submissions(client, learner, other_learner, dropout):
    from tests.helpers import make_submission

    theirs = make_submission(user=other_learner, exercise=dropout)
    mine = make_submission(user=learner, exercise=dropout, examples_only=True)
    assert client.get("/exercises/inverted-dropout/history/").status_code == 302
    client.force_login(learner)
    html = client.get("/exercises/inverted-dropout/history/").content.decode()
    assert str(mine.pk) in html and str(theirs.pk) not in html and "Example run" in html
