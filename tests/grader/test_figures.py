"""A check's figure: attached whatever the verdict, stored as bounded plain JSON, never changing a verdict;
and each exercise that draws one draws it when its reference solution is graded the real way."""

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from grader import harness
from grader.runner import Job, grade
from quizsite.catalog.content import load_exercise
from quizsite.catalog.validation import job_of
from quizsite.learning import figure_kinds

EXERCISES = Path(__file__).resolve().parents[2] / "exercises"
# The check of each exercise that draws its figure, and the kind it draws.
FIGURES = {
    "data-augmentation": ("augment_dataset: originals first, copy k of image i at k * N + i, labels aligned", "images"),
    "dropout-module": ("Drop rate matches p, p defaults to 0.5, and entries are dropped independently", "band"),
    "early-stopping": ("The worked example: patience 2 on a loss that turns back up", "lines"),
    "early-stopping-training": ("Stops after `patience` epochs in a row without improvement", "lines"),
    "gradient-clipping": ("Above max_norm every array is scaled by max_norm / (total_norm + 1e-6)", "bars"),
    "inverted-dropout": (
        "Drop rate matches p, entries are dropped independently, and the expected output is the input",
        "band",
    ),
    "weight-init": ("Xavier: every value lies in [-a, a], a = gain * sqrt(6 / (fan_in + fan_out))", "histogram"),
    "k-fold-splits": ("Stratified folds: the statement's example, without and with a seed", "fold_grid"),
    "vanishing-gradients": ("The worked example: sigmoid gradients shrink towards the input, tanh's do not", "lines"),
}

CHECKS = f"""
import numpy as np
from grader.harness import CheckFailed, check, drawing, figure

@check("draws, then fails", public=True)
def draws_then_fails(learner, rng):
    got = learner.answer()
    series = [{{"name": "yours", "values": np.array([got, np.nan, np.inf]), "learner": True}}]
    figure("lines", {{"series": series}}, "d")
    raise CheckFailed("wrong")

@check("draws something that cannot be stored, and passes", public=True)
def draws_badly(learner, rng):
    figure("lines", {{"series": [object()]}}, "d")

@check("draws too much, and passes", public=True)
def draws_too_much(learner, rng):
    figure("lines", {{"values": np.zeros({harness.MAX_FIGURE_NUMBERS + 1})}}, "d")

@check("draws an unknown kind, and passes", public=True)
def draws_unknown(learner, rng):
    figure("pie", {{}}, "d")

@check("breaks while drawing, and passes", public=True)
def breaks_while_drawing(learner, rng):
    with drawing():
        raise CheckFailed("a figure never decides, even when its code says it failed")

@check("draws twice: the last one stays", public=True)
def draws_twice(learner, rng):
    figure("bars", {{"categories": ["a"]}}, "first")
    figure("bars", {{"categories": ["b"]}}, "second")
"""


def test_a_figure_is_kept_when_the_check_fails_and_bad_figures_never_change_a_verdict(zygotes, caplog):
    with caplog.at_level(logging.ERROR, logger="grader.harness"):
        report = grade(Job(code="def answer():\n    return 2.5\n", checks_source=CHECKS), zygotes)
    results = {result.name: result for result in report.results}
    failed = results["draws, then fails"]
    assert not failed.passed and failed.message == "wrong"
    assert failed.figure["data"]["series"][0]["values"] == [2.5, "nan", "inf"]
    for name in ("draws something that cannot be stored, and passes", "draws too much, and passes",
                 "draws an unknown kind, and passes", "breaks while drawing, and passes"):  # fmt: skip
        assert results[name].passed and results[name].figure is None, name
    assert len([r for r in caplog.records if "figure" in r.getMessage()]) == 4
    assert results["draws twice: the last one stays"].figure["description"] == "second"
    json.dumps(report.results_as_dicts(), allow_nan=False)  # storable in PostgreSQL's jsonb


def test_figure_data_is_plain_json_with_non_finite_values_as_strings():
    with harness.figure_slot() as slot:
        values = np.array([1.0, -np.inf, np.nan], dtype=np.float32)
        harness.figure("lines", {"a": values, "b": (np.int64(3), True, None), "t": "x\x00y" * 200}, "alt\x00")
    assert slot.figure["data"] == {"a": [1.0, "-inf", "nan"], "b": [3, True, None], "t": ("xy" * 200)[:200]}
    assert slot.figure["description"] == "alt"


def test_a_figure_outside_a_grading_is_ignored():
    harness.figure("lines", {}, "nobody collects this")


def test_the_harness_and_the_drawing_agree_on_the_kinds():
    assert set(figure_kinds.DRAWERS) == harness.FIGURE_KINDS


@pytest.mark.parametrize("slug", sorted(FIGURES))
def test_grading_the_reference_solution_draws_the_exercise_figure(slug, zygotes):
    exercise = load_exercise(EXERCISES / slug)
    check_name, kind = FIGURES[slug]
    report = grade(job_of(exercise, exercise.solution_code), zygotes)
    assert report.verdict == "accepted"
    drawn = {result.name: result.figure for result in report.results if result.figure}
    assert list(drawn) == [check_name]
    assert drawn[check_name]["kind"] == kind and drawn[check_name]["description"]
    json.dumps(drawn, allow_nan=False)
    svg = figure_kinds.render(drawn[check_name], check_name)
    assert "<title" in svg and "<desc" in svg


def test_a_learner_process_that_dies_inside_a_drawing_block_ends_the_grading():
    # A figure never decides a verdict, but a death must not be swallowed with the drawing's own errors.
    from grader.harness import drawing
    from grader.sandbox.supervisor import SandboxDied

    with pytest.raises(SandboxDied), drawing():
        raise SandboxDied("output", "the learner printed too much")
