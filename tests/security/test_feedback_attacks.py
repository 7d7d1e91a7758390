"""Red-team attacks on the feedback added with the plots: figures drawn from the learner's values, the SVG
endpoint, hints and the reference solution, the long poll and example-run output.

Grading attacks run through the real sandbox (``grade(job_of(...))``, as ``test_exercise_attacks.py`` does) with
the source of the checks in hand: each returns values aimed at the drawing code (non-finite, negative zero,
subnormal, huge or odd-typed values, values the drawing meets before any check of their type) on top of a wrong
answer, and must get its verdict, fail the check that draws, and leave a figure that is stored as JSON and
draws as a script-free SVG.
"""

import json
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from datetime import timedelta

import numpy as np
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from grader import harness
from grader.runner import grade
from grader.vocabulary import Verdict
from quizsite.catalog.content import load_exercises
from quizsite.catalog.validation import job_of
from quizsite.learning import events, figure_kinds, figure_svg
from quizsite.learning.models import Submission
from tests.helpers import make_assignment, make_course, make_submission, sync_exercise_copy
from tests.security.exercises import exercise_file

EXERCISES = {exercise.slug: exercise for exercise in load_exercises(settings.CONTENT_DIR)}
NS = {"svg": figure_svg.SVG_NS}
WRONG = Verdict.WRONG_ANSWER


@dataclass(frozen=True)
class FeedbackAttack:
    """A wrong submission whose values aim at a check's figure; ``fails`` is the check that draws it."""

    slug: str
    name: str
    idea: str
    code: str
    verdict: str
    fails: str


def _wrapped(slug: str, extra: str) -> str:
    """The exercise's reference solution, then ``extra`` (which renames and wraps what it needs)."""
    return exercise_file(slug, "solution.py") + "\n\n" + extra


ATTACKS = [
    FeedbackAttack(
        "vanishing-gradients",
        "norms_the_log_scale_cannot_place",
        "right norms but NaN, inf and -0.0 in three layers: the log-scale drawing sees them before the comparison",
        _wrapped(
            "vanishing-gradients",
            """
_right = layer_gradient_norms


def layer_gradient_norms(weights, x, activation):
    norms = [float(v) for v in _right(weights, x, activation)]
    norms[0], norms[-1] = float("nan"), float("inf")
    norms[len(norms) // 2] = -0.0
    return norms
""",
        ),
        WRONG,
        "The worked example: sigmoid gradients shrink towards the input, tanh's do not",
    ),
    FeedbackAttack(
        "vanishing-gradients",
        "subnormal_norms",
        "every norm scaled into the subnormal range (5e-324 and the like), far below the drawn decades",
        _wrapped(
            "vanishing-gradients",
            """
_right = layer_gradient_norms


def layer_gradient_norms(weights, x, activation):
    return [float(v) * 1e-320 for v in _right(weights, x, activation)]
""",
        ),
        WRONG,
        "The worked example: sigmoid gradients shrink towards the input, tanh's do not",
    ),
    FeedbackAttack(
        "early-stopping",
        "late_stop_with_markers_off_the_chart",
        "stops one epoch late and reports best_epoch 2**62 and best_score -0.0: the drawing reads them first",
        _wrapped(
            "early-stopping",
            """
_Right = EarlyStopping


class EarlyStopping:
    def __init__(self, patience=3, min_delta=0.0, mode="min"):
        self._inner = _Right(patience + 1, min_delta, mode)

    def step(self, metric):
        return self._inner.step(metric)

    @property
    def should_stop(self):
        return self._inner.should_stop

    @property
    def best_score(self):
        return -0.0

    @property
    def best_epoch(self):
        return 2**62
""",
        ),
        WRONG,
        "The worked example: patience 2 on a loss that turns back up",
    ),
    FeedbackAttack(
        "early-stopping-training",
        "losses_and_epochs_off_every_scale",
        "trains right but reports NaN, infinities, 1e308 and a thousand extra losses, best_epoch -1 and a huge "
        "stopped_epoch: all pass the type checks and reach the drawing",
        _wrapped(
            "early-stopping-training",
            """
_right = fit


def fit(model, X_train, y_train, X_val, y_val, **options):
    answer = _right(model, X_train, y_train, X_val, y_val, **options)
    losses = [float("nan"), float("inf"), float("-inf"), 1e308, -0.0, 5e-324] + answer["val_losses"]
    return {"val_losses": losses + [0.5] * 1000, "best_epoch": -1, "stopped_epoch": 2**53 + 1}
""",
        ),
        WRONG,
        "Stops after `patience` epochs in a row without improvement",
    ),
    FeedbackAttack(
        "inverted-dropout",
        "whole_rows_dropped_together",
        "a valid mask with the right rate, but drawn per row (index of axis 0) and broadcast: each row is all "
        "kept or all dropped, which the per-row drawing shows before the statistics decide",
        """
import numpy as np


def dropout_forward(x, p, training, rng):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    if not training:
        return x.copy(), None
    if p == 1.0:
        mask = np.zeros_like(x, dtype=float)
    else:
        keep = rng.random(x.shape[:1] + (1,) * (x.ndim - 1)) >= p
        mask = np.broadcast_to(keep / (1.0 - p), x.shape).copy()
    return x * mask, mask


def dropout_backward(grad_out, mask):
    if mask is None:
        return grad_out.copy()
    return grad_out * mask
""",
        WRONG,
        "Drop rate matches p, entries are dropped independently, and the expected output is the input",
    ),
    FeedbackAttack(
        "dropout-module",
        "shared_mask_with_negative_zeros",
        "one mask for the whole batch, and dropped entries written as -0.0 (a zero the drawing and the checks "
        "must both count as dropped)",
        exercise_file("dropout-module", "wrong/mask_shared_across_batch.py")
        + """

_Shared = Dropout


class Dropout(_Shared):
    def forward(self, x):
        out = super().forward(x)
        return torch.where(out == 0, torch.full_like(out, -0.0), out) if self.training else out
""",
        WRONG,
        "Drop rate matches p, p defaults to 0.5, and entries are dropped independently",
    ),
    FeedbackAttack(
        "weight-init",
        "complex_weights_for_the_drawn_call",
        "right everywhere but the call whose histogram is drawn, which returns a complex array: the drawing "
        "meets it before any check of its dtype",
        _wrapped(
            "weight-init",
            """
_right = xavier_uniform


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    weights = _right(fan_in, fan_out, rng, gain)
    return weights.astype(complex) if fan_in == 120 else weights
""",
        ),
        WRONG,
        "Xavier: every value lies in [-a, a], a = gain * sqrt(6 / (fan_in + fan_out))",
    ),
    FeedbackAttack(
        "weight-init",
        "huge_big_endian_weights_with_non_finite_values",
        "the drawn call returns four million big-endian float32 values, NaN and infinities among them: the "
        "histogram is built before the shape is checked",
        _wrapped(
            "weight-init",
            """
_right = xavier_uniform


def xavier_uniform(fan_in, fan_out, rng, gain=1.0):
    weights = _right(fan_in, fan_out, rng, gain)
    if fan_in != 120:
        return weights
    huge = np.resize(weights, 4_000_000).astype(">f4")
    huge[:3] = [np.nan, np.inf, -np.inf]
    return huge
""",
        ),
        WRONG,
        "Xavier: every value lies in [-a, a], a = gain * sqrt(6 / (fan_in + fan_out))",
    ),
    FeedbackAttack(
        "k-fold-splits",
        "folds_the_grid_cannot_read",
        "stratified folds as a tuple of pairs whose validation sets are bool masks, uint64 indices beyond "
        "int64, and a million repeated indices: the fold grid is drawn before the pairs are checked",
        _wrapped(
            "k-fold-splits",
            """
_right = stratified_kfold_indices


def stratified_kfold_indices(y, n_splits, seed=None):
    folds = _right(y, n_splits, seed)
    train, val = folds[0]
    odd = [
        (train, np.isin(np.arange(len(y)), val)),
        (train, np.array([2**64 - 1, 0], dtype=np.uint64)),
        (train, np.repeat(val, 1_000_000 // max(len(val), 1))),
    ]
    return tuple(odd[: len(folds)])
""",
        ),
        WRONG,
        "Stratified folds: the statement's example, without and with a seed",
    ),
    FeedbackAttack(
        "data-augmentation",
        "copies_of_non_finite_and_huge_pixels",
        "originals and labels right, augmented copies full of NaN, infinities, -0.0 and +-1e308: the images are "
        "drawn before the copies are matched",
        _wrapped(
            "data-augmentation",
            """
_right = augment_dataset


def augment_dataset(images, labels, copies, rng):
    out, out_labels = _right(images, labels, copies, rng)
    n = len(images)
    poison = np.array([np.nan, np.inf, -np.inf, -0.0, 1e308, -1e308])
    out[n:] = np.resize(poison, out[n:].shape).astype(out.dtype)
    return out, out_labels
""",
        ),
        WRONG,
        "augment_dataset: originals first, copy k of image i at k * N + i, labels aligned",
    ),
    FeedbackAttack(
        "gradient-clipping",
        "clipped_arrays_with_non_finite_norms",
        "the right total norm, but clipped arrays holding NaN and inf: their norms, drawn as bars before the "
        "comparison, are not finite",
        _wrapped(
            "gradient-clipping",
            """
_right = clip_grad_norm


def clip_grad_norm(grads, max_norm, norm_type=2.0):
    clipped, total = _right(grads, max_norm, norm_type)
    clipped = [np.array(g, dtype=np.float64, copy=True) for g in clipped]
    if clipped and clipped[0].size:
        clipped[0].flat[0] = np.nan
    if len(clipped) > 1 and clipped[1].size:
        clipped[1].flat[0] = np.inf
    return clipped, total
""",
        ),
        WRONG,
        "Above max_norm every array is scaled by max_norm / (total_norm + 1e-6)",
    ),
]


# Every element a figure is drawn with: anything else (a script, a link, a foreign object) came from data.
DRAWN_WITH = {"svg", "title", "desc", "style", "rect", "g", "text", "line", "polyline", "polygon", "circle", "path"}


def _parse(svg: str) -> ET.Element:
    """The figure's root, after checking it parses and holds only drawing: no script, link or event handler."""
    root = ET.fromstring(svg)
    for element in root.iter():
        assert element.tag.removeprefix(f"{{{figure_svg.SVG_NS}}}") in DRAWN_WITH, element.tag
        assert not [name for name in element.attrib if "href" in name or name.startswith("on")], element.attrib
    return root


@pytest.mark.parametrize("attack", ATTACKS, ids=[f"{a.slug}:{a.name}" for a in ATTACKS])
def test_a_wrong_answer_aimed_at_the_figure_gets_its_verdict_and_a_drawable_figure(attack, zygotes):
    report = grade(job_of(EXERCISES[attack.slug], attack.code), zygotes)
    failed = {result.name: result.message[:300] for result in report.results if not result.passed}
    assert report.verdict == attack.verdict, (report.message, failed)
    assert attack.fails in failed, failed
    for result in report.results:
        if result.figure is not None:
            json.dumps(result.figure, allow_nan=False)  # storable in jsonb as it is
            _parse(figure_kinds.render(result.figure, result.name))


@pytest.mark.parametrize("attack", ATTACKS, ids=[f"{a.slug}:{a.name}" for a in ATTACKS])
def test_a_wrong_answer_aimed_at_the_figure_is_rejected_without_the_gate(attack, zygotes):
    report = grade(replace(job_of(EXERCISES[attack.slug], attack.code), gate=False), zygotes)
    assert report.verdict != Verdict.ACCEPTED and report.score < 1


# Figures stored, then drawn by the web process


def _stored(data) -> dict | None:
    with harness.figure_slot() as slot:
        harness.figure("fold_grid", data, "d")
    return slot.figure


def test_attack_a_million_nulls_are_not_a_figure_free_of_the_size_bound():
    # Before: only numbers counted, so a million nulls (or strings, or empty lists) were stored, and drawing
    # them took over 20 s and 200 MB of SVG.
    assert _stored({"classes": ["a"] * 10, "cells": [[None] * 10] * 100_000}) is None
    assert _stored({"classes": ["a"] * 10, "cells": [[]] * 100_000}) is None
    assert _stored({"classes": ["<x>"] * 100_000}) is None
    assert _stored({"classes": ["a", "b"], "cells": [[1, None]]}) is not None


def test_attack_a_huge_array_is_refused_before_it_becomes_a_python_list():
    converted = []

    class Watched(np.ndarray):
        def tolist(self):
            converted.append(self.size)
            return super().tolist()

    assert _stored({"cells": np.zeros(harness.MAX_FIGURE_NUMBERS + 1).view(Watched)}) is None
    assert converted == [], "a learner's array of millions would cost seconds and gigabytes as a list"
    assert _stored({"cells": np.zeros(10).view(Watched)}) is not None and converted == [10]


# Stored data that drawing cannot place: each of these raised (a 500 on the figure's URL) before the fallback.
DEGENERATE = [
    ("lines", {"series": 5.0}),
    ("lines", {"series": [{"name": "e", "values": [5e-324, 0.0]}]}),
    ("lines", {"series": [{"name": "e", "values": [1e308, -1e308]}]}),
    ("lines", {"log_y": True, "series": [{"name": "e", "values": [1e-200, 1e-200]}, {"values": [1.0], "learner": 1}]}),
    ("band", {"values": [1.0], "low": "nan", "high": 1.7976931348623157e308}),
    ("histogram", {"edges": [1e308, -1e308], "counts": [1e308]}),
    ("histogram", {"edges": [1e300, 1e300], "counts": ["nan"]}),
    ("bars", {"categories": ["a"], "series": [{"name": "s", "values": [1e308]}], "lines": [{"value": -1e308}]}),
    ("bars", {"series": 5.0}),
    ("images", {"pairs": 5.0}),
    ("images", {"low": -1e308, "high": 1e308, "pairs": [{"source": [[1e308, -1e308]], "augmented": [[0.0]]}]}),
]


@pytest.mark.parametrize(("kind", "data"), DEGENERATE, ids=[f"{k}-{i}" for i, (k, _) in enumerate(DEGENERATE)])
def test_attack_degenerate_stored_data_draws_the_text_alternative_instead_of_failing(kind, data):
    root = _parse(figure_kinds.render({"kind": kind, "data": data, "description": "what it shows"}, "a check"))
    assert root.find("svg:desc", NS).text == "what it shows"


def test_attack_markup_in_every_string_a_figure_holds_is_text():
    hostile = '"><script>alert(1)</script><a href="javascript:x">]]><!--'
    data = {
        hostile: hostile,
        "x_label": hostile,
        "series": [{"name": hostile, "values": [1.0, 2.0]}, {"name": hostile, "values": [1.0, "nan"], "learner": 1}],
        "markers": [{"x": 1, "label": hostile}, {"x": 1e300, "label": hostile, "learner": True}],
    }
    for kind in figure_kinds.DRAWERS:
        svg = figure_kinds.render({"kind": kind, "data": _stored(data)["data"], "description": hostile}, hostile)
        _parse(svg)
        assert "<a " not in svg and "<!--" not in svg


# The endpoint

RESULTS = [
    {"name": "public", "passed": False, "message": "m", "points": 1, "public": True,
     "figure": {"kind": "lines", "data": {"series": 5.0}, "description": "odd"}},
    {"name": "hidden", "passed": True, "message": "Passed.", "points": 1, "public": False,
     "figure": {"kind": "band", "data": {"values": [0.5], "low": 0.4, "high": 0.6}, "description": "hidden case"}},
]  # fmt: skip


@pytest.fixture
def exercise(tmp_path, db):
    return sync_exercise_copy(tmp_path)


@pytest.fixture
def submission(learner, exercise) -> Submission:
    return make_submission(user=learner, exercise=exercise, status="done", verdict=WRONG, results=RESULTS)


def _get(user, path: str):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(path)


def test_attack_odd_stored_figure_data_is_a_figure_not_a_server_error(learner, submission):
    response = _get(learner, f"/submissions/{submission.pk}/checks/0/figure.svg")
    assert response.status_code == 200
    assert _parse(response.content.decode()).find("svg:desc", NS).text == "odd"


@pytest.mark.parametrize("index", ["-1", "1.0", "x", "0x0", "00000000000000000000000000000002"])
def test_attack_indexes_that_are_not_a_check_are_404(learner, submission, index):
    assert _get(learner, f"/submissions/{submission.pk}/checks/{index}/figure.svg").status_code == 404


def test_attack_a_guessed_or_malformed_submission_id_is_404(learner, submission):
    for pk in ("00000000-0000-0000-0000-000000000000", "not-a-uuid", str(submission.pk).upper()):
        assert _get(learner, f"/submissions/{pk}/checks/1/figure.svg").status_code == 404


def test_attack_a_hidden_checks_figure_is_withheld_with_its_message_passed_or_not(learner, other_learner, submission):
    make_assignment(make_course(learners=[learner]), exercise=submission.exercise, due_at=timezone.now() + timedelta(1))
    assert _get(learner, f"/submissions/{submission.pk}/checks/1/figure.svg").status_code == 404
    assert _get(other_learner, f"/submissions/{submission.pk}/checks/0/figure.svg").status_code == 404


# Hints and the reference solution


def test_attack_hints_are_fixed_text_so_they_cannot_carry_a_gradings_hidden_inputs(api, learner, exercise):
    # Hidden inputs are drawn from a secret fresh for each grading; a hint is the same text for every grading.
    failed = [{**RESULTS[1], "passed": False, "name": exercise.hints[0]["check"]}]
    first = make_submission(user=learner, exercise=exercise, status="done", verdict=WRONG, results=failed)
    second = make_submission(user=learner, exercise=exercise, status="done", verdict=WRONG, results=failed)
    hints = [api.get(f"/api/v1/submissions/{s.pk}/").json()["results"][0]["hint"] for s in (first, second)]
    assert hints[0] == hints[1] == exercise.hints[0]["hint"]


def test_attack_an_accepted_example_run_or_someone_elses_acceptance_does_not_open_the_reference(
    api, learner, other_learner, exercise
):
    make_submission(user=learner, exercise=exercise, status="done", verdict=Verdict.ACCEPTED, examples_only=True)
    make_submission(user=other_learner, exercise=exercise, status="done", verdict=Verdict.ACCEPTED)
    assert api.get(f"/api/v1/exercises/{exercise.slug}/reference/").status_code == 403


# The long poll and example-run output


def test_attack_a_long_poll_on_someone_elses_submission_is_404_at_once(api, other_learner, exercise):
    theirs = make_submission(user=other_learner, exercise=exercise, status="queued")
    started = time.monotonic()
    assert api.get(f"/api/v1/submissions/{theirs.pk}/?wait=20&status=queued").status_code == 404
    assert time.monotonic() - started < 2


def test_attack_long_polls_past_the_cap_are_answered_at_once(api, learner, exercise):
    # Before: each of a learner's concurrent long polls held a web thread for its whole wait, so a few dozen of
    # them (3 processes x 16 threads in the image) held every thread of the site.
    submission = make_submission(user=learner, exercise=exercise, status="queued")
    key = events._WAITERS.format(learner.pk)
    events._redis().set(key, events.MAX_WAITS_PER_VIEWER, ex=60)  # as many waits as the cap, held elsewhere
    try:
        started = time.monotonic()
        body = api.get(f"/api/v1/submissions/{submission.pk}/?wait=3&status=queued").json()
        assert body["status"] == "queued" and time.monotonic() - started < 1.5
        assert int(events._redis().get(key)) == events.MAX_WAITS_PER_VIEWER, "the refused wait gave its count back"
    finally:
        events._redis().delete(key)
    started = time.monotonic()
    api.get(f"/api/v1/submissions/{submission.pk}/?wait=1&status=queued")
    assert time.monotonic() - started >= 1, "under the cap a long poll still waits"


def test_attack_concurrent_waits_of_one_viewer_hold_at_most_the_cap():
    viewer = f"red-team-{time.monotonic_ns()}"
    finished: list[float] = []

    def wait() -> None:
        started = time.monotonic()
        events.submission_change_wait("none", changed=lambda: False, timeout=2, viewer=viewer)
        finished.append(time.monotonic() - started)

    threads = [threading.Thread(target=wait) for _ in range(events.MAX_WAITS_PER_VIEWER + 6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    held = sorted(finished)
    assert sum(seconds >= 1.9 for seconds in held) == events.MAX_WAITS_PER_VIEWER, held
    assert all(seconds < 1 for seconds in held[:6]), held
    assert int(events._redis().get(events._WAITERS.format(viewer)) or 0) == 0


def test_attack_an_example_run_never_shows_what_a_graded_run_printed(api, learner, exercise):
    graded = make_submission(user=learner, exercise=exercise, status="done", output="hidden p=0.4173\n")
    example = make_submission(user=learner, exercise=exercise, status="done", examples_only=True, output="public\n")
    assert api.get(f"/api/v1/submissions/{graded.pk}/").json()["output"] is None
    assert api.get(f"/api/v1/submissions/{example.pk}/").json()["output"] == "public\n"
    listed = api.get("/api/v1/submissions/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert {row["id"]: row["output"] for row in rows} == {str(graded.pk): None, str(example.pk): "public\n"}


def test_attack_an_example_run_grades_only_the_public_checks_so_its_output_holds_no_hidden_input(zygotes):
    exercise = EXERCISES["inverted-dropout"]
    spy = exercise_file("inverted-dropout", "solution.py") + (
        "\n_right = dropout_forward\n\n\ndef dropout_forward(x, p, *args, **kwargs):\n"
        "    print('p =', p, 'shape =', getattr(x, 'shape', None))\n    return _right(x, p, *args, **kwargs)\n"
    )
    example = grade(job_of(exercise, spy, public_only=True), zygotes)
    graded = grade(job_of(exercise, spy), zygotes)
    public = {result.name for result in graded.results if result.public}
    assert {result.name for result in example.results} == public
    assert example.output == grade(job_of(exercise, spy, public_only=True), zygotes).output, "fixed, public inputs"
    assert example.output != graded.output
