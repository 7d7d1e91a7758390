"""A learner with only a keyboard takes a quiz and submits code: every step after logging in is a key press.

The pages' contract: the quiz start button is named "Start the quiz" (or "Resume"); the attempt page has
"Submit answers", which opens a <dialog> with a "Submit" button; the results page has a heading with
"Score"; the exercise editor's content is labelled "Your code", with "Run examples" and "Submit" after it.
"""

import re
import shutil
from pathlib import Path

import pytest

from quizsite.catalog.services import content_sync
from quizsite.learning.models import AttemptItem, Submission

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2] / "exercises"
MAX_TABS = 80
# The focused element's accessible name, near enough for buttons, links and labelled widgets.
FOCUSED = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const name = element.getAttribute("aria-label") || element.innerText || element.value || "";
  const inDialog = Boolean(element.closest("dialog[open]"));
  return { tag: element.localName, type: element.type || "", name: name.trim(), inDialog };
}"""


@pytest.fixture
def keyboard_quiz(tmp_path, settings):
    """The dropout topic with a single quiz of two single-choice questions."""
    (tmp_path / "topics").mkdir()
    shutil.copytree(ROOT / "topics" / "dropout", tmp_path / "topics" / "dropout")
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "quizzes" / "keyboard.toml").write_text(
        'title = "Keyboard check"\nmode = "fixed"\ntopics = ["dropout"]\n'
        'questions = ["dropout-purpose", "dropout-inference-behaviour"]\n'
    )
    settings.CONTENT_DIR = tmp_path
    content_sync(root=tmp_path)


def _log_in(page, base_url: str, next_path: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", "pw-ada-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}{next_path}")


def _tab_to(page, matches, what: str, *, key: str = "Tab") -> dict:
    """Press Tab until ``matches(focused)`` holds for the focused element; fail after MAX_TABS presses."""
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        focused = page.evaluate(FOCUSED)
        if focused and matches(focused):
            return focused
        seen.append(focused and f"{focused['tag']} {focused['name'][:30]!r}")
    pytest.fail(f"{what} never got the focus; Tab visited: {seen}")


def test_a_quiz_taken_with_the_keyboard_alone(keyboard_quiz, live_server, learner, page):
    _log_in(page, live_server.url, "/topics/dropout/")

    _tab_to(page, lambda f: re.match(r"Start|Resume", f["name"]) is not None, "the quiz's start button")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/(attempts/[0-9a-f-]+|quizzes/keyboard/start)/$"))
    if "/start/" in page.url:  # a start page between the topic and the attempt
        _tab_to(page, lambda f: f["name"] in ("Start the quiz", "Resume"), "Start the quiz")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*/attempts/[0-9a-f-]+/$"))

    _tab_to(page, lambda f: f["type"] == "radio", "the first question's options")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")  # moves to the next option and chooses it
    assert page.evaluate("() => document.activeElement.checked && document.activeElement.value") == "1"
    page.wait_for_function("() => document.querySelector('.save-state.saved') !== null")
    assert AttemptItem.objects.get(attempt__user=learner, position=0).response == 1

    _tab_to(page, lambda f: f["name"] == "Submit answers", "Submit answers")
    page.keyboard.press("Enter")
    page.wait_for_selector("dialog[open]")
    _tab_to(page, lambda f: f["inDialog"] and f["name"] == "Submit", "the dialog's Submit")
    page.keyboard.press("Enter")
    score = page.get_by_role("heading", name=re.compile("^Score"))
    score.wait_for()  # a heading, so screen-reader users can jump to it
    # dropout-purpose's answer is option 0, so the second option is wrong; the other question is unanswered.
    assert "0%" in score.text_content()


def test_code_written_and_run_with_the_keyboard_alone(synced, live_server, learner, page):
    _log_in(page, live_server.url, "/exercises/inverted-dropout/")

    _tab_to(page, lambda f: f["name"] == "Your code", "the editor")
    page.keyboard.press("Control+End")
    page.keyboard.type("\n# typed at the keyboard\n")
    page.keyboard.press("Escape")
    _tab_to(page, lambda f: f["name"] != "Your code", "anything after the editor")  # Esc, then Tab leaves
    _tab_to(page, lambda f: f["name"] == "Run examples", "Run examples")
    with page.expect_response(lambda response: response.request.method == "POST") as sent:
        page.keyboard.press("Enter")

    assert sent.value.status == 202, sent.value.text()
    submission = Submission.objects.get(user=learner)
    assert submission.examples_only
    assert "# typed at the keyboard" in submission.code
