"""Cells a spreadsheet would run as formulas are defused; everything else is left as it is."""

import pytest

from quizsite.spreadsheets import defuse, defuse_row


@pytest.mark.parametrize("text", ["=1+1", "+A1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_text_that_would_run_as_a_formula_gets_a_leading_quote(text):
    assert defuse(text) == "'" + text


@pytest.mark.parametrize("value", ["ada", "", "0.5", 0.5, -1, None])
def test_plain_text_and_non_text_values_are_unchanged(value):
    assert defuse(value) == value


def test_a_row_is_defused_value_by_value():
    assert defuse_row({"learner": "=HYPERLINK(1)", "score": -0.5}) == {"learner": "'=HYPERLINK(1)", "score": -0.5}
