"""Submissions and quiz attempts in the admin: instructors review their learners' work on read-only pages,
regrade and download grades from the lists, and never see the work of learners they do not teach."""

import csv
import html
import io
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from quizsite.catalog.models import Question, Quiz
from quizsite.catalog.questions import correct_response
from quizsite.catalog.selectors import variant_of
from quizsite.courses.models import Enrolment
from quizsite.formats import timestamp
from quizsite.learning import attempts
from quizsite.learning.display import response_texts
from quizsite.learning.models import Attempt, AttemptItem, Submission
from quizsite.web.markdown import render_markdown
from tests.helpers import make_course, make_submission

pytestmark = pytest.mark.django_db
Status = Submission.Status
SUBMISSIONS = "/admin/learning/submission/"
ATTEMPTS = "/admin/learning/attempt/"
CODE = "def dropout(x, p):\n    if p == 0:\n        return x\n    return x * mask / (1 - p)\n"
CHECKS = [
    {"name": "keeps the shape", "passed": True, "message": "", "points": 1, "public": True, "duration_ms": 4.2},
    {
        "name": "scales the kept units",
        "passed": False,
        "message": "expected 2.0 <got 1.0>",
        "points": 3,
        "public": False,
        "duration_ms": 12.0,
    },
]


@pytest.fixture
def head(django_user_model):
    return django_user_model.objects.create_superuser(username="head", password="pw-head-123456")


@pytest.fixture
def courses(synced, instructor, learner, other_learner):
    """The instructor teaches ``learner`` in one course; ``other_learner`` is only in a course they do not teach."""
    return make_course(instructors=[instructor], learners=[learner]), make_course(learners=[other_learner])


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def graded(**overrides) -> Submission:
    fields = {
        "status": Status.DONE,
        "verdict": Submission.Verdict.WRONG_ANSWER,
        "score": 0.25,
        "code": CODE,
        "results": CHECKS,
        "finished_at": timezone.now(),
        "exercise_version": "abc123",
    }
    return make_submission(**{**fields, **overrides})


def page_of(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def section(page: str, name: str) -> str:
    return re.search(rf'<section class="review" id="{name}">(.*?)</section>', page, re.DOTALL)[1]


def code_text(markup: str) -> str:
    """The code as a reader sees it: the text of the highlighted block without its line numbers."""
    block = re.search(r'<div class="source"><pre>(.*?)</pre></div>', markup, re.DOTALL)[1]
    return html.unescape(re.sub(r"<[^>]+>", "", re.sub(r'<span class="linenos">\s*\d+</span>', "", block)))


def listed_ids(client: Client, url: str, **query) -> set[str]:
    page = client.get(url, query).content.decode()
    return set(re.findall(r'name="_selected_action" value="([^"]+)"', page))


# The submission page


def test_the_code_is_highlighted_in_monospace_with_its_indentation_intact(head, courses, learner):
    page = page_of(browser(head), f"{SUBMISSIONS}{graded(user=learner).pk}/change/")
    code = section(page, "code")
    assert code_text(code) == CODE
    assert '<span class="k">def</span>' in code and '<span class="k">return</span>' in code
    assert "font-family: var(--font-family-monospace)" in page and ".source .k {" in page


def test_the_checks_are_a_table_with_their_outcome_visibility_and_message(head, courses, learner):
    page = page_of(browser(head), f"{SUBMISSIONS}{graded(user=learner).pk}/change/")
    rows = re.findall(r"<tr>\s*(.*?)</tr>", section(page, "checks"), re.DOTALL)[1:]
    cells = [
        [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td.*?</td>", row)]
        for row in rows
    ]
    assert cells == [
        ["keeps the shape", "passed", "1", "public", "4 ms", ""],
        ["scales the kept units", "failed", "3", "hidden", "12 ms", "expected 2.0 <got 1.0>"],
    ]
    assert '"passed": true' not in page


def test_the_output_is_shown_preformatted(head, courses, learner):
    submission = graded(user=learner, output="epoch 1\n  loss 0.5 <ok>\n")
    output = section(page_of(browser(head), f"{SUBMISSIONS}{submission.pk}/change/"), "output")
    assert '<pre class="output">epoch 1\n  loss 0.5 &lt;ok&gt;\n</pre>' in output


def test_the_page_shows_verdict_score_timing_and_exercise_version(head, courses, learner):
    submission = graded(user=learner, grading_ms=1234)
    page = page_of(browser(head), f"{SUBMISSIONS}{submission.pk}/change/")
    for text in ("Wrong answer", "0.25", "1234", "abc123"):
        assert text in page


def test_the_changes_since_the_learners_previous_submission_are_a_coloured_diff(head, courses, learner):
    earlier = timezone.now() - timedelta(hours=1)
    previous = graded(user=learner, code=CODE.replace("x * mask / (1 - p)", "x * mask"))
    Submission.objects.filter(pk=previous.pk).update(created_at=earlier)
    graded(code="something else\n")  # another learner's work on the same exercise is never compared
    changes = section(page_of(browser(head), f"{SUBMISSIONS}{graded(user=learner).pk}/change/"), "changes")
    assert '<span class="removed">-    return x * mask</span>' in changes
    assert '<span class="added">+    return x * mask / (1 - p)</span>' in changes
    assert '<span class="same">     if p == 0:</span>' in changes
    assert f"{SUBMISSIONS}{previous.pk}/change/" in changes


def test_a_first_submission_says_there_is_nothing_to_compare(head, courses, learner):
    changes = section(page_of(browser(head), f"{SUBMISSIONS}{graded(user=learner).pk}/change/"), "changes")
    assert "first submission" in changes and "<pre" not in changes


@pytest.mark.parametrize("who", ["head", "instructor"])
def test_the_submission_page_is_read_only(request, courses, learner, who):
    page = page_of(browser(request.getfixturevalue(who)), f"{SUBMISSIONS}{graded(user=learner).pk}/change/")
    assert 'name="_save"' not in page and 'name="_continue"' not in page and 'name="_addanother"' not in page
    assert ("/delete/" in page) is (who == "head")


def test_a_post_to_the_submission_page_changes_nothing(head, courses, learner):
    submission = graded(user=learner)
    response = browser(head).post(f"{SUBMISSIONS}{submission.pk}/change/", {"score": "1.0", "verdict": "accepted"})
    assert response.status_code == 403
    submission.refresh_from_db()
    assert submission.score == 0.25


def test_instructors_cannot_delete_submissions(instructor, courses, learner):
    submission = graded(user=learner)
    assert browser(instructor).post(f"{SUBMISSIONS}{submission.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Submission.objects.filter(pk=submission.pk).exists()


# The attempt page


@pytest.fixture
def attempt(courses, learner) -> Attempt:
    """A graded attempt: one multiple-choice question half right, a generated numeric one right, one unanswered."""
    attempt = Attempt.objects.create(user=learner, quiz=Quiz.objects.get(slug="dropout"), status="answering")
    keys = ["dropout-typical-rates", "dropout-scale", "dropout-match-mode"]
    for position, key in enumerate(keys):
        AttemptItem.objects.create(attempt=attempt, question=Question.objects.get(key=key), position=position)
    attempts.attempt_answer(attempt=attempt, question_key="dropout-typical-rates", response=[0, 2])
    scale = variant_of(Question.objects.get(key="dropout-scale"), str(attempt.pk))
    attempts.attempt_answer(attempt=attempt, question_key="dropout-scale", response=correct_response(scale))
    return attempts.attempt_submit(attempt=attempt)


def row_of(page: str, key: str) -> dict[str, str]:
    row = re.search(rf'<tr data-question="{key}">(.*?)</tr>', page, re.DOTALL)[1]
    return dict(re.findall(r'<td class="(prompt|answer|key)">(.*?)</td>', row, re.DOTALL))


def test_an_attempt_shows_each_question_with_the_chosen_options_and_the_key_in_words(head, attempt):
    page = page_of(browser(head), f"{ATTEMPTS}{attempt.pk}/change/")
    row = row_of(page, "dropout-typical-rates")
    assert "Which statements about choosing the dropout probability p are sound?" in row["prompt"]
    assert re.findall(r"<li>(.*?)</li>", row["answer"], re.DOTALL) == [
        str(render_markdown("Values between about 0.2 and 0.5 are common for fully connected layers")),
        str(render_markdown("p = 1 is a good default because it regularises the most")),
    ]
    assert "A higher p regularises more strongly" in row["key"] and "p = 1 is a good default" not in row["key"]
    assert "AttemptItem object" not in page


def test_a_generated_question_shows_the_variant_this_attempt_was_asked(head, attempt):
    variant = variant_of(Question.objects.get(key="dropout-scale"), str(attempt.pk))
    row = row_of(page_of(browser(head), f"{ATTEMPTS}{attempt.pk}/change/"), "dropout-scale")
    assert str(render_markdown(variant.prompt)) in row["prompt"]
    assert str(correct_response(variant)) in row["answer"] and str(correct_response(variant)) in row["key"]


def test_an_unanswered_question_says_so_and_still_shows_the_key(head, attempt):
    variant = variant_of(Question.objects.get(key="dropout-match-mode"), str(attempt.pk))
    row = row_of(page_of(browser(head), f"{ATTEMPTS}{attempt.pk}/change/"), "dropout-match-mode")
    assert "No answer" in row["answer"]
    for text in response_texts(variant, correct_response(variant)):
        assert str(render_markdown(text)) in row["key"]


def test_the_attempt_page_is_read_only(instructor, attempt):
    page = page_of(browser(instructor), f"{ATTEMPTS}{attempt.pk}/change/")
    assert 'name="_save"' not in page and "/delete/" not in page
    assert f"dropout: {attempt.topic_scores['dropout']:.0%}" in page  # not the raw JSON


# Who sees what


def test_an_instructor_lists_only_the_work_of_learners_they_teach(instructor, courses, learner, other_learner):
    mine, theirs = graded(user=learner), graded(user=other_learner)
    assert listed_ids(browser(instructor), SUBMISSIONS) == {str(mine.pk)}
    assert str(theirs.pk) not in browser(instructor).get(SUBMISSIONS).content.decode()


def test_a_superuser_lists_everyones_work(head, courses, learner, other_learner):
    everyones = {str(graded(user=learner).pk), str(graded(user=other_learner).pk)}
    assert listed_ids(browser(head), SUBMISSIONS) == everyones


def test_an_instructor_cannot_open_the_work_of_a_learner_only_in_another_course(instructor, courses, other_learner):
    submission = graded(user=other_learner)
    attempt = attempts.attempt_start(user=other_learner, quiz=Quiz.objects.get(slug="dropout"))
    client = browser(instructor)
    assert client.get(f"{SUBMISSIONS}{submission.pk}/change/").status_code == 404
    assert client.get(f"{ATTEMPTS}{attempt.pk}/change/").status_code == 404
    assert listed_ids(client, ATTEMPTS) == set()


def test_a_learner_enrolled_as_staff_elsewhere_is_not_a_learner_there(instructor, courses, other_learner):
    course = make_course(instructors=[instructor])
    Enrolment.objects.create(course=course, user=other_learner, role=Enrolment.Role.TEACHING_ASSISTANT)
    assert browser(instructor).get(f"{SUBMISSIONS}{graded(user=other_learner).pk}/change/").status_code == 404


def test_a_teaching_assistant_sees_the_work_of_the_course_learners(django_user_model, courses, learner):
    assistant = django_user_model.objects.create_user(username="ta", is_staff=True)
    make_course(assistants=[assistant], learners=[learner])
    submission = graded(user=learner)
    assert listed_ids(browser(assistant), SUBMISSIONS) == {str(submission.pk)}
    page_of(browser(assistant), f"{SUBMISSIONS}{submission.pk}/change/")


def test_staff_who_teach_no_course_do_not_see_learners_work(django_user_model, courses, learner):
    outsider = django_user_model.objects.create_user(username="ops", is_staff=True)
    client = browser(outsider)
    assert client.get(SUBMISSIONS).status_code == 403
    assert client.get(f"{SUBMISSIONS}{graded(user=learner).pk}/change/").status_code in (403, 404)
    assert "/admin/learning/" not in client.get("/admin/").content.decode()


def test_the_course_filter_offers_only_taught_courses_and_narrows_to_their_learners(
    head, instructor, courses, learner, other_learner
):
    mine, theirs = courses
    kept = graded(user=learner)
    graded(user=other_learner)
    page = browser(instructor).get(SUBMISSIONS).content.decode()
    assert mine.code in page and theirs.code not in page
    assert listed_ids(browser(head), SUBMISSIONS, course=str(mine.pk)) == {str(kept.pk)}
    assert listed_ids(browser(instructor), SUBMISSIONS, course=str(theirs.pk)) == set()


def test_learners_are_found_by_name_and_external_id(head, courses, learner, other_learner):
    learner.first_name, learner.last_name = "Ada", "Lovelace"
    learner.save()
    kept = graded(user=learner)
    graded(user=other_learner)
    assert listed_ids(browser(head), SUBMISSIONS, q="lovelace") == {str(kept.pk)}


# Actions


def test_regrade_and_download_are_offered_in_the_lists(instructor, head, attempt, learner):
    graded(user=learner)  # Django offers actions only on a list with rows
    submissions, attempts_list = (browser(instructor).get(url).content.decode() for url in (SUBMISSIONS, ATTEMPTS))
    assert '<option value="regrade">Regrade selected</option>' in submissions
    assert '<option value="download_grades">Download grades (CSV)</option>' in submissions
    assert '<option value="download_grades">Download grades (CSV)</option>' in attempts_list
    assert "delete_selected" not in submissions
    assert "delete_selected" in browser(head).get(SUBMISSIONS).content.decode()


def test_regrade_queues_final_submissions_and_counts_those_still_running(
    instructor, courses, learner, django_capture_on_commit_callbacks
):
    done, failed, running = graded(user=learner), graded(user=learner, status=Status.ERROR), graded(user=learner)
    Submission.objects.filter(pk=running.pk).update(status=Status.RUNNING)
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        response = browser(instructor).post(
            SUBMISSIONS, {"action": "regrade", "_selected_action": [done.pk, failed.pk, running.pk]}, follow=True
        )
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("Regrading: 2 queued. 1 refused: still queued or running")
    assert len(enqueued) == 2
    statuses = dict(Submission.objects.values_list("pk", "status"))
    assert statuses == {done.pk: Status.QUEUED, failed.pk: Status.QUEUED, running.pk: Status.RUNNING}


def test_regrade_leaves_alone_the_work_of_learners_the_instructor_does_not_teach(
    instructor, courses, other_learner, django_capture_on_commit_callbacks
):
    theirs = graded(user=other_learner)
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        browser(instructor).post(SUBMISSIONS, {"action": "regrade", "_selected_action": [theirs.pk]})
    theirs.refresh_from_db()
    assert theirs.status == Status.DONE and not enqueued


def csv_rows(response) -> list[dict]:
    assert response["Content-Type"] == "text/csv; charset=utf-8" and "attachment" in response["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_download_grades_writes_one_row_per_selected_submission(instructor, courses, learner):
    learner.first_name, learner.last_name = "Ada", "Lovelace"
    learner.save()
    picked, _unpicked = graded(user=learner, score=0.5), graded(user=learner)
    response = browser(instructor).post(SUBMISSIONS, {"action": "download_grades", "_selected_action": [picked.pk]})
    [row] = csv_rows(response)
    assert row == {
        "learner": "ada",
        "name": "Ada Lovelace",
        "external_id": "",
        "kind": "exercise",
        "item": "inverted-dropout",
        "verdict": "wrong_answer",
        "score": "0.5",
        "created_at": timestamp(picked.created_at),
        "finished_at": timestamp(picked.finished_at),
        "id": str(picked.pk),
    }


def test_download_grades_writes_one_row_per_selected_attempt(instructor, attempt):
    response = browser(instructor).post(ATTEMPTS, {"action": "download_grades", "_selected_action": [attempt.pk]})
    [row] = csv_rows(response)
    assert (row["learner"], row["kind"], row["item"], row["verdict"]) == ("ada", "quiz", "dropout", "graded")
    assert float(row["score"]) == pytest.approx(attempt.score)
    assert row["finished_at"] == timestamp(attempt.submitted_at)
