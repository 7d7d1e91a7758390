"""Gradebook CSV: a name a spreadsheet would run as a formula arrives as text, in every layout."""

import csv
import io

import pytest

from quizsite.courses import exports, selectors
from tests.helpers import make_assignment, make_course

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("layout", exports.LAYOUTS)
def test_formula_like_names_and_titles_are_defused(synced, django_user_model, layout):
    learner = django_user_model.objects.create_user(username="=cmd|calc", email="x@example.com")
    course = make_course(learners=[learner])
    make_assignment(course, title="@SUM(A1)")
    rows = list(csv.reader(io.StringIO(exports.gradebook_csv(selectors.gradebook(course), layout))))
    cells = {cell for row in rows for cell in row}
    assert "'=cmd|calc" in cells and "=cmd|calc" not in cells
    assert not any(cell.startswith("@") for cell in cells)


def test_an_unknown_layout_is_refused(synced):
    with pytest.raises(ValueError, match="unknown layout"):
        exports.gradebook_csv(selectors.gradebook(make_course()), "excel")
