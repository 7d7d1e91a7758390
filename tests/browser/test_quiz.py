"""A learner takes a quiz start to finish in Chromium: answers, reloads mid-way, submits, reviews."""

import json
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from quizsite.catalog.questions import correct_response
from quizsite.catalog.selectors import variant_of
from quizsite.catalog.services import content_sync
from quizsite.learning import attempts
from quizsite.learning.models import Attempt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2] / "exercises"

ANSWER = """
([kind, question, response]) => {
  const fieldset = document.querySelector(`fieldset[data-question="${question}"]`);
  if (kind === "single") fieldset.querySelector(`input[value="${response}"]`).click();
  else if (kind === "true_false") fieldset.querySelector(`input[value="${response}"]`).click();
  else if (kind === "multiple") response.forEach((i) => fieldset.querySelector(`input[value="${i}"]`).click());
  else if (kind === "numeric") {
    const input = fieldset.querySelector("input");
    input.value = String(response);
    input.dispatchEvent(new Event("change", { bubbles: true }));
  } else if (kind === "ordering") {
    const list = fieldset.querySelector("ol");
    const items = Object.fromEntries(Array.from(list.children).map((li) => [li.dataset.index, li]));
    response.forEach((i) => list.appendChild(items[i]));
    fieldset.dispatchEvent(new Event("change", { bubbles: true }));
  } else if (kind === "matching") {
    fieldset.querySelectorAll("select").forEach((select, row) => (select.value = String(response[row])));
    fieldset.dispatchEvent(new Event("change", { bubbles: true }));
  }
}
"""


@pytest.fixture
def dropout_quiz(tmp_path, settings):
    (tmp_path / "topics").mkdir()
    shutil.copytree(ROOT / "topics" / "dropout", tmp_path / "topics" / "dropout")
    (tmp_path / "quizzes").mkdir()
    shutil.copy(ROOT / "quizzes" / "dropout.toml", tmp_path / "quizzes")
    settings.CONTENT_DIR = tmp_path
    content_sync(root=tmp_path)


def test_a_quiz_from_start_to_dashboard(dropout_quiz, live_server, learner, page):
    page.goto(f"{live_server.url}/accounts/login/?next=/topics/dropout/")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", "pw-ada-123456")
    page.click("button[type=submit]")
    page.wait_for_url("**/topics/dropout/")
    assert "Quiz: Dropout" in page.text_content("aside")
    page.click("#start-dropout")
    page.wait_for_url("**/attempts/**")

    attempt = Attempt.objects.get(user=learner)
    items = list(attempt.items.select_related("question__topic"))
    answers = {}
    for index, item in enumerate(items):
        variant = variant_of(item.question, str(attempt.pk))
        answers[item.question.key] = (variant.kind, correct_response(variant))
        if index == len(items) // 2:
            # Reload mid-attempt: everything answered so far must still be there.
            page.wait_for_function(f"() => document.querySelectorAll('.save-state.saved').length === {index}")
            page.reload()
            assert Attempt.objects.get(pk=attempt.pk).status == "answering"
        kind, response = answers[item.question.key]
        page.evaluate(ANSWER, [kind, item.question.key, json.loads(json.dumps(response))])
    page.wait_for_function(
        f"() => document.querySelectorAll('.save-state.saved').length === {len(items) - len(items) // 2}"
    )
    stored = {item.question.key: item.response for item in attempt.items.select_related("question")}
    assert stored == {key: response for key, (_, response) in answers.items()}

    page.click("#submit-attempt")
    expect(page.locator("#confirm-text")).to_have_text(f"All {len(items)} questions are answered.")
    page.click("#confirm-yes")
    page.wait_for_selector("#attempt-score")
    assert page.text_content("#attempt-score") == "100%"
    assert page.locator(".results li.pass").count() == len(items)
    assert page.locator(".results .explanation").first.text_content().strip()

    page.goto(f"{live_server.url}/dashboard/")
    row = page.locator('tr[data-topic="dropout"]')
    assert row.locator(".mastery-value").text_content() == "100%"
    assert "Dropout" in page.text_content(".history")


# Every kind of question, in this order, from the dropout bank.
ALL_KINDS = {
    "dropout-purpose": "single",
    "dropout-mask-per-step": "true_false",
    "dropout-typical-rates": "multiple",
    "dropout-order-of-operations": "ordering",
    "dropout-scale": "numeric",
    "dropout-match-mode": "matching",
}


@pytest.fixture
def every_kind_quiz(tmp_path, settings):
    """A fixed quiz with one question of each kind (and a one-minute time limit)."""
    (tmp_path / "topics").mkdir()
    shutil.copytree(ROOT / "topics" / "dropout", tmp_path / "topics" / "dropout")
    (tmp_path / "quizzes").mkdir()
    keys = ", ".join(f'"{key}"' for key in ALL_KINDS)
    (tmp_path / "quizzes" / "kinds.toml").write_text(
        f'title = "Every kind"\nmode = "fixed"\nquestions = [{keys}]\ntopics = ["dropout"]\n'
        "time_limit_minutes = 1\nposition = 1\n"
    )
    settings.CONTENT_DIR = tmp_path
    content_sync(root=tmp_path)


def _log_in(page, live_server, next_path):
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", "pw-ada-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"**{next_path}")


def _start(page, live_server) -> Attempt:
    _log_in(page, live_server, "/quizzes/kinds/start/")
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url("**/attempts/**")
    return Attempt.objects.get(quiz__slug="kinds", status="started")


def test_start_while_logged_out_returns_to_the_quiz_after_login_not_an_error(dropout_quiz, live_server, learner, page):
    page.goto(f"{live_server.url}/topics/dropout/")
    page.click("#start-dropout")  # a POST, answered with the login page
    page.wait_for_url("**/accounts/login/**")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", "pw-ada-123456")
    page.click("button[type=submit]")
    page.wait_for_url("**/quizzes/dropout/start/")
    expect(page.get_by_role("heading", name="Dropout")).to_be_visible()
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url("**/attempts/**")
    assert Attempt.objects.filter(user=learner).count() == 1


def test_a_matching_answer_with_a_repeated_match_is_refused_in_words_and_a_partial_one_waits(
    every_kind_quiz, live_server, learner, page
):
    attempt = _start(page, live_server)
    fieldset = page.locator('fieldset[data-question="dropout-match-mode"]')
    selects = fieldset.locator("select")
    selects.nth(0).select_option("0")
    expect(fieldset.locator(".save-state")).to_have_text("Choose a match for 3 more rows to save this answer.")
    selects.nth(1).select_option("0")
    expect(fieldset.locator(".save-state")).to_contain_text("is chosen for rows 1 and 2; each match is used once.")
    expect(selects.nth(1)).to_have_attribute("aria-invalid", "true")
    selects.nth(1).select_option("1")
    selects.nth(2).select_option("2")
    selects.nth(3).select_option("3")
    expect(fieldset.locator(".save-state")).to_have_text("Saved")
    assert attempt.items.get(question__key="dropout-match-mode").response == [0, 1, 2, 3]
    expect(page.locator("#answered-count")).to_have_text("1 of 6 answered")


def test_submit_asks_first_and_counts_the_unanswered_then_results_show_both_answers(
    every_kind_quiz, live_server, learner, page
):
    attempt = _start(page, live_server)
    variant = variant_of(attempt.items.get(question__key="dropout-purpose").question, str(attempt.pk))
    key = correct_response(variant)
    page.locator(f'fieldset[data-question="dropout-purpose"] input[value="{key}"]').check()
    expect(page.locator('fieldset[data-question="dropout-purpose"] .save-state')).to_have_text("Saved")

    page.get_by_role("button", name="Submit answers").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("5 of 6 questions are unanswered; they score 0.")
    dialog.get_by_role("button", name="Keep answering").click()
    expect(dialog).to_be_hidden()
    assert Attempt.objects.get(pk=attempt.pk).is_open

    page.get_by_role("button", name="Submit answers").click()
    dialog.get_by_role("button", name="Submit").click()
    expect(page.locator("#attempt-score")).to_have_text("17%")
    results = page.locator("ol.results > li")
    expect(results).to_have_count(6)
    first = results.nth(0)
    expect(first.locator(".points")).to_contain_text("1 / 1 point")
    expect(first.locator(".your-answer")).to_have_text(first.locator(".correct-answer").inner_text())
    unanswered = results.nth(1)
    expect(unanswered.locator(".points")).to_contain_text("Not answered · 0 / 1 point")
    expect(unanswered.locator(".your-answer")).to_have_text("No answer")
    expect(unanswered.locator(".correct-answer")).not_to_be_empty()
    expect(page.get_by_role("link", name="Practise Dropout")).to_have_attribute("href", "/topics/dropout/")

    page.get_by_role("button", name="Retake the quiz").click()
    page.wait_for_url("**/attempts/**")
    assert Attempt.objects.filter(user=learner, quiz__slug="kinds").count() == 2
    assert f"/attempts/{attempt.pk}/" not in page.url


def test_the_start_page_offers_to_resume_an_attempt_in_progress(every_kind_quiz, live_server, learner, page):
    attempt = _start(page, live_server)
    page.locator('fieldset[data-question="dropout-mask-per-step"] input[value="true"]').check()
    expect(page.locator('fieldset[data-question="dropout-mask-per-step"] .save-state')).to_have_text("Saved")
    page.goto(f"{live_server.url}/quizzes/kinds/start/")
    expect(page.locator("#resume-note")).to_contain_text("1 of 6 answered")
    page.get_by_role("link", name="Resume").click()
    page.wait_for_url(f"**/attempts/{attempt.pk}/")
    expect(page.locator('fieldset[data-question="dropout-mask-per-step"] input[value="true"]')).to_be_checked()


def test_a_timed_attempt_counts_down_and_submits_what_was_saved_at_zero(every_kind_quiz, live_server, learner, page):
    attempt = _start(page, live_server)
    expect(page.locator("#time-left")).to_have_text(re.compile(r"^[01]:\d\d$"))
    page.locator('fieldset[data-question="dropout-mask-per-step"] input[value="true"]').check()
    expect(page.locator('fieldset[data-question="dropout-mask-per-step"] .save-state')).to_have_text("Saved")
    # Bring the deadline close rather than wait a minute.
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(seconds=4))
    page.reload()
    expect(page.locator("#time-left")).to_have_text(re.compile(r"^0:0[0-4]$"))
    expect(page.locator("#attempt-score")).to_be_visible(timeout=15_000)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    assert attempt.items.get(question__key="dropout-mask-per-step").response is True


def test_an_answer_saved_before_a_reload_counts_as_answered_even_an_empty_choice(
    every_kind_quiz, live_server, learner, page
):
    attempt = _start(page, live_server)
    attempts.attempt_answer(attempt=attempt, question_key="dropout-typical-rates", response=[])
    page.reload()
    expect(page.locator("#answered-count")).to_have_text("1 of 6 answered")
