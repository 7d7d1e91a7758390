"""A learner logs in, pastes code into the editor, submits, and sees the verdict appear live."""

import pytest

from tests.helpers import exercise_file

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/?next=/exercises/inverted-dropout/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/exercises/inverted-dropout/")


def _submit(page, code):
    page.evaluate("code => document.querySelector('.CodeMirror').CodeMirror.setValue(code)", code)
    page.click("#submit-button")
    page.wait_for_function("() => document.getElementById('submit-state').textContent === 'Graded.'", timeout=60_000)


def test_submitting_in_the_browser_shows_the_verdict_and_checks(
    celery_worker_process, synced, live_server, learner, page
):
    _log_in(page, live_server, "ada", "pw-ada-123456")
    assert page.locator(".CodeMirror").is_visible()
    assert "raise NotImplementedError" in page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")

    _submit(page, exercise_file("inverted-dropout", "solution.py"))
    assert page.text_content("#verdict") == "Accepted"
    assert page.text_content("#score") == "(100%)"
    assert page.locator("#checks li.pass").count() >= 5
    assert page.locator("#checks li.fail").count() == 0

    _submit(page, exercise_file("inverted-dropout", "wrong/scales_at_evaluation.py"))
    assert page.text_content("#verdict") == "Wrong answer"
    failed = page.locator("#checks li.fail")
    assert failed.count() == 2  # the public evaluation example and its hidden counterpart
    assert "expected" in failed.first.text_content()


def test_a_syntax_error_is_shown_to_the_learner(celery_worker_process, synced, live_server, learner, page):
    _log_in(page, live_server, "ada", "pw-ada-123456")
    _submit(page, "def dropout_forward(:\n    pass\n")
    assert page.text_content("#verdict") == "Syntax error"
    assert "line 1" in page.text_content("#result-message")


def test_an_oversized_submission_gets_a_clear_error_and_keeps_the_code(
    celery_worker_process, synced, live_server, learner, page
):
    _log_in(page, live_server, "ada", "pw-ada-123456")
    code = "#" * (70 * 1024)
    page.evaluate("code => document.querySelector('.CodeMirror').CodeMirror.setValue(code)", code)
    page.click("#submit-button")
    page.wait_for_function("() => document.getElementById('submit-state').classList.contains('error')")
    assert "limit" in page.text_content("#submit-state")
    assert len(page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")) == len(code)
