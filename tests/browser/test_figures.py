"""Each exercise's feedback figure, graded the real way, opens in Chromium as its own document under its strict
Content-Security-Policy and as an <img> in a page, at desktop and phone widths. With SCREENSHOTS_DIR set, one PNG
per exercise (docs/images/learners/ holds them)."""

import os
import shutil
from pathlib import Path

import pytest
from django.utils import timezone

from grader.runner import grade
from quizsite.catalog.content import load_exercise
from quizsite.catalog.models import Exercise, ValidationRun
from quizsite.catalog.services import content_sync
from quizsite.catalog.validation import job_of
from quizsite.learning.models import Submission
from tests.helpers import browser_log_in, make_submission

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2] / "exercises"
# The sample whose figure each screenshot shows: a wrong solution where its figure shows the mistake.
SAMPLES = {
    "vanishing-gradients": None,
    "early-stopping": "patience_off_by_one",
    "early-stopping-training": "patience_off_by_one",
    "inverted-dropout": None,
    "dropout-module": None,
    "weight-init": "xavier_normal_instead",
    "k-fold-splits": "stratified_round_robin",
    "data-augmentation": None,
    "gradient-clipping": "clips_each_array_separately",
}
DESKTOP, PHONE = {"width": 600, "height": 700}, {"width": 340, "height": 700}


def _screenshot(element, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        element.screenshot(path=str(Path(folder) / f"{name}.png"))


@pytest.fixture
def graded(tmp_path, learner, zygotes) -> dict[str, str]:
    """The eight exercises synced (published by hand), one graded submission of ``learner`` per exercise: the
    URL of the figure its results carry."""
    shutil.copytree(ROOT / "topics", tmp_path / "topics")
    for slug in SAMPLES:
        shutil.copytree(ROOT / slug, tmp_path / slug)
    content_sync(root=tmp_path, enqueue_validations=False)
    ValidationRun.objects.update(status=ValidationRun.Status.PASSED, finished_at=timezone.now())
    urls = {}
    for slug, wrong in SAMPLES.items():
        content = load_exercise(ROOT / slug)
        code = content.wrong_solutions[wrong].code if wrong else content.solution_code
        report = grade(job_of(content, code), zygotes)
        submission = make_submission(
            user=learner,
            exercise=Exercise.objects.get(slug=slug),
            code=code,
            status=Submission.Status.DONE,
            verdict=report.verdict,
            score=report.score,
            results=report.results_as_dicts(),
        )
        index = next(i for i, result in enumerate(report.results) if result.figure)
        urls[slug] = f"/submissions/{submission.pk}/checks/{index}/figure.svg"
    return urls


SHOW = """url => new Promise(done => {
    document.body.innerHTML = '';
    document.body.style.margin = '0';
    const img = document.createElement('img');
    img.id = 'figure';
    img.alt = 'figure';
    img.style.width = '100%';
    img.style.display = 'block';
    img.onload = () => done(img.naturalWidth);
    img.onerror = () => done(0);
    img.src = url;
    document.body.appendChild(img);
})"""


def test_every_figure_opens_as_a_document_and_as_an_image_at_desktop_and_phone_widths(browser, live_server, graded):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security" in message.text else None)
    browser_log_in(page, live_server, "ada", "pw-ada-123456", "/dashboard/")
    for slug, url in graded.items():
        # On its own, under its Content-Security-Policy: an SVG document with its text alternative.
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 200 and response.headers["content-type"] == "image/svg+xml", slug
        assert page.locator("svg > title").text_content() and page.locator("svg > desc").text_content()
    page.goto(f"{live_server.url}/dashboard/")
    for slug, url in graded.items():
        for viewport, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
            # As exercise.js shows it: an <img> as wide as the check's box.
            page.set_viewport_size(viewport)
            assert page.evaluate(SHOW, url) == 480, slug
            if not suffix or slug == "early-stopping-training":
                _screenshot(page.locator("#figure"), f"figure-{slug}{suffix}")
    assert not refused
    context.close()
