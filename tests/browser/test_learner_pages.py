"""Every learner page in Chromium at a laptop's and a phone's width: nothing wider than the window, and
axe-core finds no serious or critical accessibility violation.

One browser context per test: a page kind with many instances (every exercise, every topic) is visited
in one context and its problems are reported together, so one run names every page that fails.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from quizsite.catalog.models import Exercise, Question, Quiz, Topic
from quizsite.catalog.questions import correct_response
from quizsite.catalog.selectors import published_exercises, variant_of
from quizsite.learning import attempts
from tests.helpers import graded_at, make_submission

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 375, "height": 812}}
BLOCKING_IMPACTS = ("serious", "critical")
AXE = Axe()

# Elements whose right edge is past the window and that no scrolling or clipping ancestor contains: the
# ones that widen the page. Each is named by a short CSS path (up to the nearest id) for the failure message.
WIDE_ELEMENTS = """
() => {
  const limit = window.innerWidth;
  const contained = (element) => {
    for (let node = element.parentElement; node && node !== document.body; node = node.parentElement) {
      if (getComputedStyle(node).overflowX !== "visible") return true;
    }
    return false;
  };
  const describe = (element) => {
    const parts = [];
    for (let node = element; node && node !== document.body && parts.length < 5; node = node.parentElement) {
      if (node.id) { parts.unshift(`${node.localName}#${node.id}`); break; }
      parts.unshift(node.localName + Array.from(node.classList, (name) => `.${name}`).join(""));
    }
    return parts.join(" > ");
  };
  const wide = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.width > 0 && box.right + window.scrollX > limit + 0.5 && !contained(element)) {
      const right = Math.round(box.right + window.scrollX);
      wide.push({ selector: describe(element), right, width: Math.round(box.width) });
    }
  }
  wide.sort((a, b) => b.right - a.right || a.width - b.width);
  return { scrollWidth: document.documentElement.scrollWidth, innerWidth: limit, wide: wide.slice(0, 8) };
}
"""


def _overflow(page) -> str | None:
    """What makes the page wider than the window, or None when nothing does."""
    found = page.evaluate(WIDE_ELEMENTS)
    if found["scrollWidth"] <= found["innerWidth"]:
        return None
    lines = [f"page is {found['scrollWidth']} px wide in a {found['innerWidth']} px window; widest elements:"]
    lines += [
        f"    {item['selector']}  (right edge {item['right']} px, width {item['width']} px)" for item in found["wide"]
    ]
    return "\n".join(lines)


def _violations(page) -> str | None:
    """Serious and critical axe-core violations (id, impact, targets), or None when there are none."""
    results = AXE.run(page)
    blocking = [item for item in results.response["violations"] if item["impact"] in BLOCKING_IMPACTS]
    if not blocking:
        return None
    lines = []
    for item in blocking:
        targets = "; ".join(" ".join(node["target"]) for node in item["nodes"])
        lines.append(f"    {item['id']} ({item['impact']}): {item['help']} -> {targets}")
    return "axe-core:\n" + "\n".join(lines)


def _check(page, url: str) -> list[str]:
    """Load ``url`` and return what is wrong with it (empty when nothing is)."""
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status == 200, f"{url}: HTTP {response and response.status}"
    problems = [problem for problem in (_overflow(page), _violations(page)) if problem]
    return [f"{url} ({page.viewport_size['width']} px)\n" + "\n".join(problems)] if problems else []


def _log_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", "pw-ada-123456")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def _every_kind_quiz() -> Quiz:
    """A fixed quiz with every matching and ordering question (the widest kinds) and one of each other kind."""
    keys = list(Question.objects.filter(kind__in=["matching", "ordering"]).values_list("key", flat=True))
    for kind in ("single", "multiple", "true_false", "numeric"):
        keys.append(Question.objects.filter(kind=kind).values_list("key", flat=True).first())
    quiz = Quiz.objects.create(
        slug="every-kind",
        title="Every kind of question",
        mode=Quiz.Mode.FIXED,
        question_keys=keys,
        question_count=len(keys),
    )
    assert set(Question.objects.filter(key__in=keys).values_list("kind", flat=True)) == set(Question.Kind.values)
    return quiz


def _answered_attempt(user, *, submit: bool):
    """An attempt of the every-kind quiz with every other question answered correctly, submitted if asked."""
    attempt = attempts.attempt_start(user=user, quiz=_every_kind_quiz())
    for item in list(attempt.items.select_related("question"))[::2]:
        response = correct_response(variant_of(item.question, str(attempt.pk)))
        attempts.attempt_answer(attempt=attempt, question_key=item.question.key, response=response)
    return attempts.attempt_submit(attempt=attempt) if submit else attempt


def _urls(kind: str, user) -> list[str]:
    """The paths of every page of ``kind``, after writing the data that fills them."""
    if kind == "home":
        return ["/"]
    if kind == "topic":
        return [f"/topics/{slug}/" for slug in Topic.objects.values_list("slug", flat=True)]
    if kind == "exercise":
        return [f"/exercises/{slug}/" for slug in published_exercises().values_list("slug", flat=True)]
    if kind == "quiz-start":
        return [f"/quizzes/{_every_kind_quiz().slug}/start/"]
    if kind in ("attempt", "results"):
        return [f"/attempts/{_answered_attempt(user, submit=kind == 'results').pk}/"]
    if kind == "dashboard":
        _answered_attempt(user, submit=True)
        for exercise, score in zip(Exercise.objects.order_by("slug")[:4], (1.0, 0.5, 0.0, 1.0), strict=True):
            graded_at(make_submission(user=user, exercise=exercise), exercise.updated_at, score)
        return ["/dashboard/"]
    return [f"/accounts/{kind}/"]  # login and signup, seen logged out


PAGES = ["home", "topic", "exercise", "quiz-start", "attempt", "results", "dashboard", "login", "signup"]


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
@pytest.mark.parametrize("kind", PAGES)
def test_the_page_fits_the_window_and_has_no_serious_accessibility_violation(
    kind, viewport, synced, learner, live_server, browser
):
    urls = _urls(kind, learner)
    assert urls, f"no {kind} page to check"
    context = browser.new_context(viewport=viewport)
    try:
        page = context.new_page()
        if kind not in ("login", "signup"):
            _log_in(page, live_server.url)
        problems = [problem for url in urls for problem in _check(page, live_server.url + url)]
    finally:
        context.close()
    assert not problems, "\n\n".join(problems)
