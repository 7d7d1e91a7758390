"""A learner takes a quiz start to finish in Chromium: answers, reloads mid-way, submits, reviews."""

import json
import shutil
from pathlib import Path

import pytest

from quizsite.catalog.questions import correct_response
from quizsite.catalog.selectors import variant_of
from quizsite.catalog.services import content_sync
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
    page.wait_for_selector("#attempt-score")
    assert page.text_content("#attempt-score") == "100%"
    assert page.locator(".results li.pass").count() == len(items)
    assert page.locator(".results .explanation").first.text_content().strip()

    page.goto(f"{live_server.url}/dashboard/")
    row = page.locator('tr[data-topic="dropout"]')
    assert row.locator(".mastery-value").text_content() == "100%"
    assert "Dropout" in page.text_content(".history")
