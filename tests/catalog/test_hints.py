"""hints.toml gives every check exactly one hint, keyed by its function name, and info.toml may set after how
many attempts the reference is shown; mistakes name the file at fault, and a sync stores both."""

import shutil
import tomllib
from pathlib import Path

import pytest

from quizsite.catalog.content import ContentError, check_names_of, load_exercise, load_exercises
from quizsite.catalog.models import Exercise
from quizsite.catalog.services import content_sync

ROOT = Path(__file__).resolve().parents[2] / "exercises"


@pytest.fixture
def content_root(tmp_path):
    shutil.copytree(ROOT / "topics", tmp_path / "topics")
    shutil.copytree(ROOT / "inverted-dropout", tmp_path / "inverted-dropout")
    return tmp_path


@pytest.fixture
def dropout_folder(content_root):
    return content_root / "inverted-dropout"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_every_shipped_exercise_has_one_non_empty_hint_per_check():
    for exercise in load_exercises(ROOT):
        assert list(exercise.hints) == check_names_of(exercise.checks_source, Path("checks.py")), exercise.slug
        assert all(hint.strip() for hint in exercise.hints.values()), exercise.slug


def test_hints_are_keyed_by_check_title_in_the_order_of_checks_py(dropout_folder):
    hints = load_exercise(dropout_folder).hints
    first_title = "Evaluation mode returns the input unchanged and no mask"
    assert next(iter(hints)) == first_title
    raw = tomllib.loads((dropout_folder / "hints.toml").read_text())
    assert hints[first_title] == raw["evaluation_is_identity"]["hint"].strip()


def test_a_missing_hints_file_is_named(dropout_folder):
    (dropout_folder / "hints.toml").unlink()
    with pytest.raises(ContentError, match=r"hints\.toml: missing"):
        load_exercise(dropout_folder)


def test_a_renamed_check_function_fails_until_its_hint_follows(dropout_folder):
    _edit(dropout_folder / "checks.py", "def extreme_rates(", "def extreme_drop_rates(")
    with pytest.raises(ContentError, match=r"hints\.toml: \['extreme_rates'\] name no check function"):
        load_exercise(dropout_folder)
    _edit(dropout_folder / "hints.toml", "[extreme_rates]", "[extreme_drop_rates]")
    assert "p = 0 keeps everything, p = 1 drops everything" in load_exercise(dropout_folder).hints


def test_a_check_without_a_hint_is_named(dropout_folder):
    hints = dropout_folder / "hints.toml"
    text = hints.read_text()
    start = text.index("[extreme_rates]")
    end = text.index("[", start + 1)
    hints.write_text(text[:start] + text[end:])
    with pytest.raises(ContentError, match=r"hints\.toml: no hint for the checks \['extreme_rates'\]"):
        load_exercise(dropout_folder)


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        ('hint = ""', "must be non-empty text"),
        ('hint = "  \\n "', "must be non-empty text"),
        ("hint = 3", "must be non-empty text"),
        ('hint = "Think."\nnote = "extra"', "exactly one key, 'hint'"),
        ('tip = "Think."', "exactly one key, 'hint'"),
    ],
)
def test_a_hint_entry_must_be_one_non_empty_text(dropout_folder, entry, complaint):
    hints = dropout_folder / "hints.toml"
    text = hints.read_text()
    start = text.index("[extreme_rates]")
    end = text.index("[", start + 1)
    hints.write_text(text[:start] + f"[extreme_rates]\n{entry}\n\n" + text[end:])
    with pytest.raises(ContentError, match=rf"hints\.toml: \[extreme_rates\] .*{complaint}"):
        load_exercise(dropout_folder)


def test_a_hints_file_that_is_not_toml_is_named(dropout_folder):
    (dropout_folder / "hints.toml").write_text("[extreme_rates\nhint = 'x'\n")
    with pytest.raises(ContentError, match=r"hints\.toml: "):
        load_exercise(dropout_folder)


def test_reference_after_attempts_is_optional(dropout_folder):
    info = dropout_folder / "info.toml"
    lines = [line for line in info.read_text().splitlines() if not line.startswith("reference_after_attempts")]
    info.write_text("\n".join(lines) + "\n")
    assert load_exercise(dropout_folder).reference_after_attempts is None


@pytest.mark.parametrize("value", ["0", "-2", "2.5", "true", '"5"'])
def test_reference_after_attempts_must_be_a_positive_integer(dropout_folder, value):
    _edit(dropout_folder / "info.toml", "reference_after_attempts = 5", f"reference_after_attempts = {value}")
    with pytest.raises(ContentError, match=r"info\.toml: 'reference_after_attempts' must be a positive integer"):
        load_exercise(dropout_folder)


def test_rewording_a_hint_is_not_a_new_version_to_validate(dropout_folder):
    before = load_exercise(dropout_folder).content_hash
    _edit(dropout_folder / "hints.toml", "no mask", "no mask at all")
    assert load_exercise(dropout_folder).content_hash == before


@pytest.mark.django_db
def test_a_sync_stores_the_hints_and_the_attempt_threshold_and_updates_them(content_root):
    content_sync(root=content_root)
    exercise = Exercise.objects.get(slug="inverted-dropout")
    assert exercise.reference_after_attempts == 5
    hints = load_exercise(content_root / "inverted-dropout").hints
    # A list in the order of the checks: jsonb would not keep a mapping's order.
    assert exercise.hints == [{"check": title, "hint": hint} for title, hint in hints.items()]
    _edit(content_root / "inverted-dropout" / "hints.toml", "no mask", "no mask at all")
    report = content_sync(root=content_root)
    assert any("hints" in item for item in report.updated)
    exercise.refresh_from_db()
    assert exercise.hints[0]["hint"].endswith("no mask at all.")
