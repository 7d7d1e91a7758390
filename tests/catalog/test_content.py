"""Exercise folders parse into validated content, and mistakes name the file at fault."""

import shutil
from pathlib import Path

import pytest

from quizsite.catalog.content import ContentError, load_exercise, load_exercises, load_topics, public_check_names

ROOT = Path(__file__).resolve().parents[2] / "exercises"


@pytest.fixture
def copy_of_dropout(tmp_path):
    target = tmp_path / "inverted-dropout"
    shutil.copytree(ROOT / "inverted-dropout", target)
    return target


def test_the_shipped_exercises_parse_with_their_wrong_solutions():
    exercises = {exercise.slug: exercise for exercise in load_exercises(ROOT)}
    dropout = exercises["inverted-dropout"]
    assert dropout.topic == "dropout" and dropout.points > 0
    assert len(dropout.wrong_solutions) >= 4
    assert "def dropout_forward" in dropout.starter_code
    assert len(dropout.content_hash) == 64


def test_every_exercise_topic_exists():
    topics = {topic.slug for topic in load_topics(ROOT)}
    assert all(exercise.topic in topics for exercise in load_exercises(ROOT))


def test_the_content_hash_changes_when_any_file_changes(copy_of_dropout):
    before = load_exercise(copy_of_dropout).content_hash
    assert load_exercise(copy_of_dropout).content_hash == before
    wrong = copy_of_dropout / "wrong" / "no_rescale.py"
    wrong.write_text(wrong.read_text() + "# changed\n")
    assert load_exercise(copy_of_dropout).content_hash != before


def test_a_missing_file_is_named(copy_of_dropout):
    (copy_of_dropout / "checks.py").unlink()
    with pytest.raises(ContentError, match=r"checks\.py: missing"):
        load_exercise(copy_of_dropout)


def test_an_invalid_uuid_is_refused(copy_of_dropout):
    info = copy_of_dropout / "info.toml"
    info.write_text(info.read_text().replace('uuid = "', 'uuid = "not-a-uuid-'))
    with pytest.raises(ContentError, match="uuid"):
        load_exercise(copy_of_dropout)


def test_unknown_limits_are_refused(copy_of_dropout):
    info = copy_of_dropout / "info.toml"
    info.write_text(info.read_text() + "gpu_count = 4\n")
    with pytest.raises(ContentError, match="gpu_count"):
        load_exercise(copy_of_dropout)


def test_a_bad_difficulty_is_refused(copy_of_dropout):
    info = copy_of_dropout / "info.toml"
    info.write_text(info.read_text().replace('difficulty = "easy"', 'difficulty = "trivial"'))
    with pytest.raises(ContentError, match="difficulty"):
        load_exercise(copy_of_dropout)


def test_a_wrong_solution_without_a_verdict_is_refused(copy_of_dropout):
    wrong = copy_of_dropout / "wrong" / "no_rescale.py"
    wrong.write_text("".join(line for line in wrong.read_text().splitlines(True) if not line.startswith("# Verdict")))
    with pytest.raises(ContentError, match=r"no_rescale\.py: the header needs"):
        load_exercise(copy_of_dropout)


def test_a_wrong_solution_naming_an_unknown_check_is_refused(copy_of_dropout):
    wrong = copy_of_dropout / "wrong" / "no_rescale.py"
    wrong.write_text("# Fails: A check that does not exist\n" + wrong.read_text())
    with pytest.raises(ContentError, match="names no check"):
        load_exercise(copy_of_dropout)


def test_a_wrong_solution_cannot_declare_acceptance(copy_of_dropout):
    wrong = copy_of_dropout / "wrong" / "no_rescale.py"
    wrong.write_text(wrong.read_text().replace("# Verdict: wrong_answer", "# Verdict: accepted"))
    with pytest.raises(ContentError, match="not a verdict a wrong solution can get"):
        load_exercise(copy_of_dropout)


def test_wrong_solution_headers_are_read():
    dropout = load_exercise(ROOT / "inverted-dropout")
    sample = dropout.wrong_solutions["no_validation_of_p"]
    assert sample.verdict == "wrong_answer"
    assert sample.fails == ("Invalid p raises ValueError in both modes",)
    assert sample.mistake


def test_public_examples_are_read_from_the_check_decorators():
    source = (
        "@check('Shown', points=1, public=True)\ndef a(learner): pass\n"
        "@check('Hidden', points=2)\ndef b(learner): pass\n"
        "@check('Also hidden', public=False)\ndef c(learner): pass\n"
    )
    assert public_check_names(source, Path("checks.py")) == ["Shown"]


def test_every_statement_is_150_to_650_words_with_a_worked_example():
    for exercise in load_exercises(ROOT):
        words = len(exercise.statement.split())
        assert 150 <= words <= 650, (exercise.slug, words)
        assert "```" in exercise.statement, exercise.slug
