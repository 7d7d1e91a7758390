"""An instructor runs a course in the admin, in Chromium: creates it, assigns an exercise with a due date, reads
the gradebook of two learners' real submissions (one late), downloads it, and regrades after the checks change.

With ``SCREENSHOTS_DIR`` set, the key screens are saved there as PNGs (docs/images/instructors/ holds the
ones docs/instructors.md shows); unset, as in CI, nothing is written.
"""

import csv
import io
import os
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from playwright.sync_api import expect

from quizsite.catalog.models import Exercise
from quizsite.courses.models import Course, Enrolment
from quizsite.learning.models import Submission
from quizsite.learning.services import submission_create
from tests.helpers import (
    browser_log_in,
    browser_run,
    change_exercise_checks,
    dropout_checks_accepting_any_p,
    exercise_file,
    make_assignment,
    make_course,
)

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

VIEWPORT = {"width": 1200, "height": 800}
EXERCISE = "inverted-dropout"


def _screenshot(page, name: str, full_page: bool = False) -> None:
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)


@pytest.fixture
def browse(browser):
    """New browser sessions, one per person, each with the viewport the screenshots are taken at."""
    contexts = []

    def open_page():
        context = browser.new_context(viewport=VIEWPORT)
        # The admin's menu starts folded, so that wide tables (and the screenshots) keep the page's width.
        context.add_init_script("localStorage.setItem('django.admin.navSidebarIsOpen', 'false')")
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def course_creator(instructor):
    """The instructor with the one permission that lets staff create courses."""
    instructor.user_permissions.add(Permission.objects.get(codename="add_course"))
    return instructor


def _admin_log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def _submit_as(page, live_server, username, password, code) -> None:
    browser_log_in(page, live_server, username, password, f"/exercises/{EXERCISE}/")
    browser_run(page, code)


def _create_course(page, live_server) -> Course:
    page.goto(f"{live_server.url}/admin/courses/course/add/")
    page.fill("input[name=title]", "Training deep networks")
    page.fill("input[name=code]", "ML-401")
    page.fill("input[name=term]", "Spring 2027")
    for group in ("enrolments", "assignments"):
        assert page.locator(f"#{group}-group").count() == 1, f"the course form shows no {group} to this instructor"
    for row, username in enumerate(["ada", "grace"]):
        page.click("#enrolments-group .add-row a")
        page.fill(f"input[name=enrolments-{row}-user]", username)
        page.select_option(f"select[name=enrolments-{row}-role]", value=Enrolment.Role.LEARNER)
    page.click("#assignments-group .add-row a")
    page.select_option("select[name=assignments-0-exercise]", label="Inverted dropout")
    page.fill("input[name=assignments-0-points]", "20")
    # Due tomorrow for now: moved to a moment between the two learners' submissions once the first is in.
    tomorrow = timezone.localtime() + timedelta(days=1)
    page.fill("input[name=assignments-0-due_at_0]", tomorrow.strftime("%Y-%m-%d"))
    page.fill("input[name=assignments-0-due_at_1]", "17:00:00")
    page.fill("input[name=assignments-0-late_penalty_percent_per_day]", "25")
    page.select_option("select[name=assignments-0-policy]", value="best")
    _screenshot(page, "course-form", full_page=True)
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/courses/course/")
    return Course.objects.get(code="ML-401", term="Spring 2027")


def _open_gradebook(page, live_server) -> None:
    page.goto(f"{live_server.url}/admin/courses/course/")
    page.get_by_role("link", name="Gradebook").click()
    page.wait_for_selector("#gradebook")


def _move_due_date(page, live_server, due: datetime) -> None:
    """Set the assignment's due date on its admin page, reached from the gradebook."""
    _open_gradebook(page, live_server)
    page.get_by_role("link", name="Inverted dropout").click()
    page.wait_for_url("**/admin/courses/assignment/*/change/")
    page.fill("input[name=due_at_0]", f"{due:%Y-%m-%d}")
    page.fill("input[name=due_at_1]", f"{due:%H:%M:%S}")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")


def _download(page, layout: str) -> list[list[str]]:
    with page.expect_download() as info:
        page.click(f"a[data-layout={layout}]")
    download = info.value
    assert download.suggested_filename == f"ML-401-grades-{layout}.csv"
    return list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))


def test_an_instructor_creates_a_course_and_grades_an_on_time_and_a_late_submission(
    celery_worker_process, synced, live_server, course_creator, learner, other_learner, browse
):
    staff = browse()
    _admin_log_in(staff, live_server, "prof", "pw-prof-123456")
    course = _create_course(staff, live_server)
    assert course.enrolments.get(user=course_creator).role == Enrolment.Role.INSTRUCTOR
    learners = course.enrolments.filter(role=Enrolment.Role.LEARNER).order_by("user__username")
    assert list(learners.values_list("user__username", flat=True)) == ["ada", "grace"]
    assignment = course.assignments.get()
    assert (assignment.exercise.slug, assignment.points, assignment.late_penalty_percent_per_day) == (EXERCISE, 20, 25)

    solution = exercise_file(EXERCISE, "solution.py")
    _submit_as(browse(), live_server, "ada", "pw-ada-123456", solution)
    # Real time, no edits of the submissions: the due date moves to the first whole second (the admin's time
    # field holds seconds) after ada's submission, and grace submits after it: one started day late.
    ada_at = Submission.objects.get(user=learner).created_at
    due = timezone.localtime(ada_at).replace(microsecond=0) + timedelta(seconds=1)
    _move_due_date(staff, live_server, due)
    assert course.assignments.get().due_at == due
    while timezone.now() <= due:
        time.sleep(0.1)
    _submit_as(browse(), live_server, "grace", "pw-grace-123456", solution)
    assert Submission.objects.get(user=other_learner).created_at > due

    _open_gradebook(staff, live_server)
    ada, grace = staff.locator('tr[data-learner="ada"]'), staff.locator('tr[data-learner="grace"]')
    ada_cell, grace_cell = (
        ada.locator(f'td[data-assignment="{assignment.pk}"]'),
        grace.locator(f'td[data-assignment="{assignment.pk}"]'),
    )
    assert ada_cell.inner_text().split()[0] == "20.00"
    assert "on time" in ada_cell.inner_text()
    assert grace_cell.inner_text().split()[0] == "15.00"  # accepted, less 25 % for one started day late
    assert "late 1d" in grace_cell.inner_text()
    assert "late" in grace_cell.get_attribute("class")
    _screenshot(staff, "gradebook")

    canvas = _download(staff, "canvas")
    identity = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert canvas[0] == [*identity, f"Inverted dropout ({assignment.pk})"]
    assert canvas[1] == ["    Points Possible", "", "", "", "", "20"]
    assert canvas[2:] == [["ada", "", "", "ada", "ML-401", "20.00"], ["grace", "", "", "grace", "ML-401", "15.00"]]
    moodle = _download(staff, "moodle")
    assert moodle == [["Username", "Email address", "Inverted dropout"], ["ada", "", "20.00"], ["grace", "", "15.00"]]
    plain = _download(staff, "plain")
    assert plain[0][:4] == ["username", "external_id", "Inverted dropout (of 20)", "Inverted dropout: status"]
    assert [row[:4] for row in plain[1:]] == [["ada", "", "20.00", "on time"], ["grace", "", "15.00", "late"]]


def _graded(user, code: str) -> Submission:
    """A graded submission made as the exercise page makes it (``submission_create``), graded by the worker."""
    submission = submission_create(user=user, exercise=Exercise.objects.get(slug=EXERCISE), code=code)
    deadline = time.monotonic() + 60
    while submission.status not in Submission.FINAL_STATUSES:
        assert time.monotonic() < deadline, f"{user}'s submission still {submission.status} after 60 s"
        time.sleep(0.2)
        submission.refresh_from_db()
    return submission


def _gradebook_points(page, live_server, assignment) -> dict[str, str]:
    """Each learner's points for ``assignment`` as the gradebook shows them."""
    _open_gradebook(page, live_server)
    cells = page.locator(f'#gradebook td[data-assignment="{assignment.pk}"]')
    learners = page.locator("#gradebook tbody tr").evaluate_all("rows => rows.map(row => row.dataset.learner)")
    return {learner: cells.nth(index).inner_text().split()[0] for index, learner in enumerate(learners)}


def test_a_regrade_preview_after_a_checks_change_shows_the_changes_and_applying_it_updates_the_gradebook(
    celery_worker_process, synced, live_server, instructor, learner, other_learner, browse
):
    course = make_course(instructors=[instructor], learners=[learner, other_learner])
    assignment = make_assignment(course, points=10)
    # Submitted through the service the exercise page calls (the first test drives that page), graded by the worker.
    assert _graded(learner, exercise_file(EXERCISE, "solution.py")).verdict == Submission.Verdict.ACCEPTED
    wrong = _graded(other_learner, exercise_file(EXERCISE, "wrong/no_validation_of_p.py"))
    assert wrong.verdict == Submission.Verdict.WRONG_ANSWER

    staff = browse()
    _admin_log_in(staff, live_server, "prof", "pw-prof-123456")
    # 13 of the 14 check points: the reference solution passes all but one check, the wrong one all but one.
    assert _gradebook_points(staff, live_server, assignment) == {"ada": "10.00", "grace": "9.29"}

    # The checks change (as a content sync of an edited checks.py would change them): any p is now accepted,
    # so the reference solution fails one check and the solution that skipped validating p passes all.
    change_exercise_checks(Exercise.objects.get(slug=EXERCISE), dropout_checks_accepting_any_p())
    staff.goto(f"{live_server.url}/admin/learning/regrade/add/")
    outdated = staff.locator(f'#outdated-exercises tr[data-exercise="{EXERCISE}"]')
    expect(outdated).to_contain_text("2 (against 1 older version)")
    outdated.get_by_role("link", name="Preview regrade").click()
    staff.fill("textarea[name=reason]", "The check on invalid p was reversed: p outside [0, 1] is now accepted.")
    _screenshot(staff, "regrade-start")
    staff.click("#regrade-form input[type=submit]")
    staff.wait_for_url("**/admin/learning/regrade/*/change/")
    preview_url = staff.url

    # The page refreshes itself while the worker grades the preview.
    expect(staff.locator("#regrade-summary")).to_have_attribute("data-status", "ready", timeout=90_000)
    # Nothing changes in the gradebook until the preview is applied.
    assert _gradebook_points(staff, live_server, assignment) == {"ada": "10.00", "grace": "9.29"}
    staff.goto(preview_url)
    ada, grace = (
        staff.locator('#regrade-items tr[data-learner="ada"]'),
        staff.locator('#regrade-items tr[data-learner="grace"]'),
    )
    expect(ada).to_have_attribute("data-change", "worse")
    expect(ada.locator(".old-verdict")).to_have_text("Accepted")
    expect(ada.locator(".new-verdict")).to_have_text("Wrong answer")
    expect(ada.locator(".new-score")).to_have_text("93%")
    expect(grace).to_have_attribute("data-change", "improved")
    expect(grace.locator(".old-score")).to_have_text("93%")
    expect(grace.locator(".new-verdict")).to_have_text("Accepted")
    expect(staff.locator('#regrade-counts [data-count="improved"] strong')).to_have_text("1")
    expect(staff.locator('#regrade-counts [data-count="worse"] strong')).to_have_text("1")
    _screenshot(staff, "regrade-preview")

    staff.click("#apply-regrade")
    expect(staff.locator(".messagelist .success")).to_contain_text("Applied: 2 results replaced, 0 skipped")
    expect(staff.locator("#regrade-summary")).to_have_attribute("data-status", "applied")
    assert _gradebook_points(staff, live_server, assignment) == {"ada": "9.29", "grace": "10.00"}
