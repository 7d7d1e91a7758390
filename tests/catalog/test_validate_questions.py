"""``manage.py validate_questions`` fails on any numeric question that does not state a precision it scores by."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

NUMERIC = '[[question]]\nid = "{id}"\nkind = "numeric"\nprompt = "{prompt}"\nexplanation = "E"\nanswer = {answer}\n'


def _bank(root, *questions: str) -> None:
    folder = root / "topics" / "t"
    folder.mkdir(parents=True)
    (folder / "questions.toml").write_text("".join(questions))
    (folder / "questions.py").write_text(
        "def ratio(rng):\n"
        "    k = int(rng.integers(2, 9))\n"
        "    return {'prompt': f'What is 1 / {k}?', 'answer': 1 / k, 'explanation': 'E',\n"
        "            'precision': {'decimals': 2}}\n"
    )


def _validate(settings, root, *args: str) -> str:
    settings.CONTENT_DIR = root
    out = StringIO()
    call_command("validate_questions", *args, stdout=out)
    return out.getvalue()


def test_it_passes_a_bank_whose_numeric_questions_state_their_precision(settings, tmp_path):
    _bank(tmp_path, NUMERIC.format(id="third", prompt="What is 1 / 3?", answer=1 / 3) + "precision = {decimals = 3}\n")
    assert "question bank valid" in _validate(settings, tmp_path)


def test_it_fails_on_a_numeric_question_with_only_a_tolerance(settings, tmp_path):
    # The shape of the old dropout-scale question: a worded precision and a tolerance the learner never sees.
    _bank(
        tmp_path,
        NUMERIC.format(id="scale", prompt="Give the number.", answer=4 / 3) + "tolerance = {relative = 0.001}\n",
    )
    with pytest.raises(CommandError, match="1 problem"):
        _validate(settings, tmp_path)


def test_it_checks_every_seed_of_a_generator_and_reports_rounding_ties(settings, tmp_path):
    # 1/8 = 0.125 lies on a tie at two decimals; only k = 8 produces it, so a few seeds are not enough.
    _bank(tmp_path, '[[question]]\nid = "ratio"\nkind = "numeric"\ngenerator = "ratio"\n')
    settings.CONTENT_DIR = tmp_path
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("validate_questions", "--seeds", "200", stdout=out)
    assert "lies on a rounding tie" in out.getvalue() and "ratio seed" in out.getvalue()


def test_the_shipped_bank_is_valid_over_many_seeds():
    out = StringIO()
    call_command("validate_questions", "--seeds", "50", stdout=out)
    assert "question bank valid" in out.getvalue()
