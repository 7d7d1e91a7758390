"""A learner logs in, pastes code into the editor, submits, and sees the verdict appear live."""

import re

import pytest
from playwright.sync_api import expect

from quizsite.learning.models import Submission
from tests.helpers import browser_code, browser_log_in, browser_run, browser_set_code, exercise_file

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, username, password):
    browser_log_in(page, live_server, username, password, "/exercises/inverted-dropout/")


def test_submitting_in_the_browser_shows_the_verdict_and_checks(
    celery_worker_process, synced, live_server, learner, page
):
    _log_in(page, live_server, "ada", "pw-ada-123456")
    assert page.get_by_role("textbox", name="Your code").is_visible()
    assert "raise NotImplementedError" in browser_code(page)

    browser_run(page, exercise_file("inverted-dropout", "solution.py"))
    # Said in the status line (read by screen readers), and the keyboard focus moves to the result.
    expect(page.locator("#submit-state")).to_have_text("Graded: Accepted, 100%.")
    expect(page.locator("#result")).to_be_focused()
    assert page.text_content("#verdict") == "Accepted"
    assert page.text_content("#score") == "(100%)"
    assert page.locator("#checks li.pass").count() >= 5
    assert page.locator("#checks li.fail").count() == 0

    browser_run(page, exercise_file("inverted-dropout", "wrong/scales_at_evaluation.py"))
    assert page.text_content("#verdict") == "Wrong answer"
    failed = page.locator("#checks li.fail")
    assert failed.count() == 2  # the public evaluation example and its hidden counterpart
    assert "expected" in failed.first.text_content()
    # Each failed check offers its hint, and the page's Hints section now lists them (reference: accepted).
    failed.first.locator("details.hint summary").click()
    expect(failed.first.locator("details.hint p")).not_to_be_empty()
    expect(page.locator("#exercise-help details.hint")).to_have_count(2)
    expect(page.locator("#exercise-help")).to_contain_text("Show the reference solution")


def test_a_syntax_error_is_shown_to_the_learner(celery_worker_process, synced, live_server, learner, page):
    _log_in(page, live_server, "ada", "pw-ada-123456")
    browser_run(page, "def dropout_forward(:\n    pass\n")
    assert page.text_content("#verdict") == "Syntax error"
    assert "line 1" in page.text_content("#result-message")


def test_an_oversized_submission_gets_a_clear_error_and_keeps_the_code(
    celery_worker_process, synced, live_server, learner, page
):
    _log_in(page, live_server, "ada", "pw-ada-123456")
    code = "#" * (70 * 1024)
    browser_set_code(page, code)
    page.click("#submit-button")
    page.wait_for_function("() => document.getElementById('submit-state').classList.contains('error')")
    assert "limit" in page.text_content("#submit-state")
    assert len(browser_code(page)) == len(code)


def test_an_examples_run_shows_what_the_code_printed_and_is_listed_apart_from_graded_work(
    celery_worker_process, synced, live_server, learner, page
):
    _log_in(page, live_server, "ada", "pw-ada-123456")
    printing = exercise_file("inverted-dropout", "solution.py") + "\nprint('hello from ada')\n"
    browser_run(page, printing, button="#examples-button")
    passed_all = re.compile(r"^Examples run: Accepted: (\d+) of \1 examples passed\.$")
    expect(page.locator("#submit-state")).to_have_text(passed_all)
    expect(page.locator("#result-kind")).to_have_text("Examples")
    expect(page.locator("#output")).to_contain_text("hello from ada")
    # The history refreshes by itself: the run is there, marked as an example run, with no percentage.
    entry = page.locator("#history li").first
    expect(entry).to_contain_text("Example run")
    expect(entry).to_contain_text("examples passed")
    expect(entry).not_to_contain_text("%")

    browser_run(page, printing)
    expect(page.locator("#output-box")).to_be_hidden()  # a graded run's output would show hidden inputs
    expect(page.locator("#output-note")).to_be_visible()
    expect(page.locator("#history li")).to_have_count(2)
    expect(page.locator("#history li").first).to_contain_text("Graded")

    # An earlier entry opens: its result and its code.
    run = Submission.objects.get(user=learner, examples_only=True)
    browser_set_code(page, "# something else")
    page.locator(f'#history a[data-submission="{run.pk}"]').click()
    page.wait_for_url(f"**?submission={run.pk}#result")
    expect(page.locator("#submit-state")).to_have_text(re.compile("^Showing an earlier submission: Accepted"))
    expect(page.locator("#output")).to_contain_text("hello from ada")
    assert "hello from ada" in browser_code(page)


def test_reset_to_starter_brings_back_the_starter_code_and_can_be_undone(synced, live_server, learner, page):
    _log_in(page, live_server, "ada", "pw-ada-123456")
    starter = browser_code(page)
    browser_set_code(page, "def dropout_forward(x, p, training, rng):\n    return x\n")
    page.get_by_role("button", name="Reset to starter").click()
    assert browser_code(page) == starter
    page.keyboard.press("Control+z")
    assert browser_code(page).startswith("def dropout_forward(x, p, training, rng):\n    return x")
