"""Questions render per learner, score each kind of answer, and the whole bank holds together."""

from pathlib import Path

import pytest

from quizsite.catalog.questions import (
    InvalidAnswer,
    Question,
    correct_response,
    load_bank,
    render,
    score,
    self_check,
    variant_seed,
)

ROOT = Path(__file__).resolve().parents[2] / "exercises"
BANK = load_bank(ROOT)


def _question(**fields) -> Question:
    base = {"id": "q", "topic": "t", "kind": "single", "prompt": "P", "explanation": "E"}
    return Question(**{**base, **fields})


def test_single_choice_scores_only_the_right_index():
    variant = render(_question(options=("a", "b", "c"), answer=1), seed=0)
    assert score(variant, 1) == 1.0 and score(variant, 0) == 0.0


def test_multiple_choice_gives_partial_credit_and_penalises_wrong_ticks():
    variant = render(_question(kind="multiple", options=("a", "b", "c", "d"), answer=[0, 2]), seed=0)
    assert score(variant, [0, 2]) == 1.0
    assert score(variant, [0]) == 0.5
    assert score(variant, [0, 1]) == 0.0
    assert score(variant, [1, 3]) == 0.0
    assert "Partial credit" in variant.public()["scoring"]


def test_numeric_answers_use_the_stated_tolerance():
    absolute = render(_question(kind="numeric", answer=2.5, tolerance={"absolute": 0.01}), seed=0)
    assert score(absolute, 2.505) == 1.0 and score(absolute, 2.52) == 0.0
    relative = render(_question(kind="numeric", answer=200.0, tolerance={"relative": 0.01}), seed=0)
    assert score(relative, 201.9) == 1.0 and score(relative, 202.1) == 0.0


def test_ordering_is_shuffled_per_seed_and_scored_against_the_original_order():
    question = _question(kind="ordering", options=("first", "second", "third", "fourth"))
    shown = {render(question, seed).options for seed in range(20)}
    assert len(shown) > 1
    variant = render(question, seed=3)
    assert [variant.options[i] for i in correct_response(variant)] == ["first", "second", "third", "fourth"]
    assert score(variant, correct_response(variant)) == 1.0
    assert score(variant, list(reversed(correct_response(variant)))) == 0.0


def test_matching_scores_each_pair():
    question = _question(kind="matching", options=("a", "b", "c"), matches=("A", "B", "C"))
    variant = render(question, seed=5)
    right = correct_response(variant)
    assert [variant.matches[i] for i in right] == ["A", "B", "C"]
    swapped = [right[1], right[0], right[2]]
    assert score(variant, swapped) == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    ("kind", "response"),
    [("single", "1"), ("single", 7), ("multiple", 1), ("multiple", [0, 0]), ("true_false", 1),
     ("numeric", "3"), ("numeric", float("nan")), ("numeric", True)],
)  # fmt: skip
def test_malformed_answers_are_refused(kind, response):
    fields = {
        "single": {"options": ("a", "b"), "answer": 0},
        "multiple": {"options": ("a", "b"), "answer": [0]},
        "true_false": {"answer": True},
        "numeric": {"answer": 1.0, "tolerance": {"absolute": 0.1}},
    }[kind]
    with pytest.raises(InvalidAnswer):
        score(render(_question(kind=kind, **fields), seed=0), response)


def test_the_answers_never_reach_the_public_view():
    variant = render(_question(options=("a", "b"), answer=1), seed=0)
    assert set(variant.public()) == {"id", "kind", "prompt", "options"}


def test_variant_seeds_are_stable_per_attempt_and_question():
    assert variant_seed("attempt-1", "q") == variant_seed("attempt-1", "q")
    assert variant_seed("attempt-1", "q") != variant_seed("attempt-2", "q")


def test_the_bank_is_large_and_parameterised_enough():
    assert len(BANK) >= 120
    assert sum(question.parameterised for question in BANK) >= 25
    per_topic = {}
    for question in BANK:
        per_topic[question.topic] = per_topic.get(question.topic, 0) + 1
    assert len(per_topic) == 12 and min(per_topic.values()) >= 8


@pytest.mark.parametrize("question", BANK, ids=lambda question: question.id)
def test_every_question_renders_accepts_its_answer_and_rejects_a_wrong_one(question):
    # Parameterised questions are checked for 50 seeds each.
    assert self_check(question) == []


def test_every_topic_has_a_lesson_of_the_right_length():
    for folder in sorted((ROOT / "topics").iterdir()):
        words = len((folder / "lesson.md").read_text().split())
        assert 300 <= words <= 800, (folder.name, words)


def test_an_ordering_is_never_shown_already_in_order():
    question = _question(kind="ordering", options=("first", "second", "third"))
    for seed in range(200):
        assert render(question, seed).options != ("first", "second", "third")
