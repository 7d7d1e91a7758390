"""Every exercise's white-box attacks get their verdict, and none is accepted even without the gate; other correct
solutions are accepted."""

from collections import Counter
from dataclasses import replace

import pytest
from django.conf import settings

from grader.runner import grade
from grader.vocabulary import Verdict
from quizsite.catalog.content import load_exercises
from quizsite.catalog.validation import job_of
from tests.security.exercises import all_attacks, all_correct

ATTACKS = all_attacks()
CORRECT = all_correct()
EXERCISES = {exercise.slug: exercise for exercise in load_exercises(settings.CONTENT_DIR)}


def test_every_exercise_has_at_least_four_attacks_and_two_other_correct_solutions():
    counts = Counter(slug for slug, _ in ATTACKS)
    assert {slug: counts[slug] for slug in EXERCISES if counts[slug] < 4} == {}
    assert len({(slug, attack.name) for slug, attack in ATTACKS}) == len(ATTACKS)
    correct = Counter(slug for slug, _ in CORRECT)
    assert {slug: correct[slug] for slug in EXERCISES if correct[slug] < 2} == {}
    assert len({(slug, solution.name) for slug, solution in CORRECT}) == len(CORRECT)


@pytest.mark.parametrize(("slug", "attack"), ATTACKS, ids=[f"{slug}:{attack.name}" for slug, attack in ATTACKS])
def test_attack_gets_its_verdict(slug, attack, zygotes):
    report = grade(job_of(EXERCISES[slug], attack.code), zygotes)
    assert report.verdict == attack.verdict, (
        report.message,
        [(r.name, r.message[:300]) for r in report.results if not r.passed],
    )
    assert report.score < 1


@pytest.mark.parametrize(
    ("slug", "attack"),
    [(slug, attack) for slug, attack in ATTACKS if not attack.gate_only],
    ids=[f"{slug}:{attack.name}" for slug, attack in ATTACKS if not attack.gate_only],
)
def test_attack_is_rejected_without_the_gate(slug, attack, zygotes):
    report = grade(replace(job_of(EXERCISES[slug], attack.code), gate=False), zygotes)
    assert report.verdict != Verdict.ACCEPTED, report.results
    assert report.score < 1


@pytest.mark.parametrize(("slug", "solution"), CORRECT, ids=[f"{slug}:{solution.name}" for slug, solution in CORRECT])
def test_another_correct_solution_is_accepted(slug, solution, zygotes):
    report = grade(job_of(EXERCISES[slug], solution.code), zygotes)
    assert report.verdict == Verdict.ACCEPTED, (
        report.message,
        [(r.name, r.message[:300]) for r in report.results if not r.passed],
    )
