"""Similarity of accepted submissions: copies rank first whatever their names and layout, the starter code and
common idiom count for nothing, only the course's learners' accepted work is compared, and only its staff see it."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from quizsite.courses import services
from quizsite.courses.similarity import (
    KGRAM,
    WINDOW,
    assignment_similarity,
    compare,
    marked_lines,
    normalised_tokens,
    winnow,
)
from quizsite.learning.models import Submission
from tests.helpers import exercise_file, graded_at, make_assignment, make_course, make_submission

STARTER = exercise_file("inverted-dropout", "starter.py")

ORIGINAL = '''import numpy as np


def dropout_forward(x: np.ndarray, p: float, training: bool, rng: np.random.Generator):
    """Inverted dropout."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    if not training:
        return x.copy(), None
    if p == 1.0:
        mask = np.zeros_like(x, dtype=float)
    else:
        keep = rng.random(x.shape) >= p
        mask = keep / (1.0 - p)
    out = x * mask
    return out, mask


def dropout_backward(grad_out: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    if mask is None:
        return grad_out.copy()
    return grad_out * mask
'''

# ORIGINAL with other names, messages, comments and blank lines.
RENAMED_COPY = """import numpy as np


def dropout_forward(x: np.ndarray, p: float, training: bool, rng: np.random.Generator):
    # my own implementation
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"drop probability out of range: {p}")
    if not training:   # evaluation: nothing is dropped
        return x.copy(), None

    if p == 1.0:
        m = np.zeros_like(x, dtype=float)
    else:
        kept_units = rng.random(x.shape) >= p
        m = kept_units / (1.0 - p)   # rescale the survivors

    result = x * m
    return result, m


def dropout_backward(grad_out: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    if mask is None:
        return grad_out.copy()

    return grad_out * mask
"""

INDEPENDENT = [
    """import numpy as np


def dropout_forward(x: np.ndarray, p: float, training: bool, rng: np.random.Generator):
    if p < 0 or p > 1:
        raise ValueError("p out of range")
    if training:
        scale = 0.0 if p == 1 else 1 / (1 - p)
        mask = np.where(rng.uniform(size=x.shape) < p, 0.0, scale)
        return x * mask, mask
    return np.array(x, copy=True), None


def dropout_backward(grad_out: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    return grad_out.copy() if mask is None else mask * grad_out
""",
    """import numpy as np


def dropout_forward(x: np.ndarray, p: float, training: bool, rng: np.random.Generator):
    if not (0 <= p <= 1):
        raise ValueError("invalid p")
    if training is False:
        return np.copy(x), None
    keep_prob = 1 - p
    if keep_prob == 0:
        return np.zeros_like(x), np.zeros_like(x)
    drop = rng.binomial(1, keep_prob, size=x.shape).astype(float) / keep_prob
    return drop * x, drop


def dropout_backward(grad_out: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    if mask is not None:
        return mask * grad_out
    return np.array(grad_out)
""",
]

OPENS = datetime(2027, 2, 1, tzinfo=UTC)
DUE = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
CUTOFF = DUE + timedelta(days=2)
HOUR = timedelta(hours=1)


def _line_of(code: str, text: str) -> int:
    return next(number for number, line in enumerate(code.splitlines(), start=1) if text in line)


def _score(pairs, first, second) -> float:
    return next((pair.score for pair in pairs if {pair.first, pair.second} == {first, second}), 0.0)


def test_a_copy_with_renamed_variables_ranks_above_independent_solutions():
    codes = {"original": ORIGINAL, "copy": RENAMED_COPY, "one": INDEPENDENT[0], "two": INDEPENDENT[1]}
    pairs = compare(codes, starter=STARTER)
    assert {pairs[0].first, pairs[0].second} == {"original", "copy"}
    assert pairs[0].score > 0.9
    assert all(pair.score < 0.3 for pair in pairs[1:])


def test_comments_docstrings_blank_lines_and_layout_do_not_hide_a_copy():
    reflowed = (
        ORIGINAL.replace('"""Inverted dropout."""', '"""My very own dropout, written from scratch."""')
        .replace(
            "np.zeros_like(x, dtype=float)", "np.zeros_like(\n            x,\n            dtype = float\n        )"
        )
        .replace("    out = x * mask\n    return", "\n\n    # scale the survivors\n    out=x*mask; return")
        .replace(
            "        mask = keep / (1.0 - p)\n", "        'rescale'\n        mask = keep / (1.0 - p)  # inverted\n"
        )
    )
    [pair] = compare({"original": ORIGINAL, "reflowed": reflowed}, starter=STARTER)
    assert pair.score > 0.95


def test_the_starter_code_alone_does_not_make_two_submissions_similar():
    # Both keep the whole starter (signatures, docstrings, the raise) and add one short function of their own.
    first = STARTER + "\n\ndef clip(v, low, high):\n    return max(low, min(v, high))\n"
    second = STARTER + "\n\ndef scale(values, factor):\n    return [value * factor for value in values]\n"
    assert _score(compare({"first": first, "second": second}), "first", "second") > 0.5
    assert compare({"first": first, "second": second}, starter=STARTER) == []


def test_code_found_in_more_submissions_than_the_limit_is_common_idiom():
    codes = dict.fromkeys("abcd", ORIGINAL)
    assert len(compare(codes, starter=STARTER, common_limit=4)) == 6
    assert compare(codes, starter=STARTER, common_limit=3) == []


def test_each_match_gives_its_line_range_in_both_submissions():
    [pair] = compare({"original": ORIGINAL, "copy": RENAMED_COPY}, starter=STARTER)
    first = pair.matches[0]
    assert first.first_lines[0] == _line_of(ORIGINAL, "if not 0.0 <= p")
    assert first.second_lines[0] == _line_of(RENAMED_COPY, "if not 0.0 <= p")
    last = pair.matches[-1]
    assert last.first_lines[1] == _line_of(ORIGINAL, "return grad_out * mask")
    assert last.second_lines[1] == _line_of(RENAMED_COPY, "return grad_out * mask")


def test_winnowing_selects_a_fingerprint_in_every_window():
    rng = random.Random(7)
    hashes = [rng.randrange(50) for _ in range(500)]
    selected = set(winnow(hashes))
    assert all(selected & set(range(start, start + WINDOW)) for start in range(len(hashes) - WINDOW + 1))
    assert len(selected) < len(hashes) / 2


def test_two_submissions_sharing_a_long_enough_stretch_are_always_paired():
    rng = random.Random(3)
    for number in range(60):
        # A different stretch each time (attribute names are kept), with different code after it on each side.
        shared = f"z = -np.f{number}(x, lo, hi)\n"
        assert len(normalised_tokens(shared)) == KGRAM + WINDOW - 1
        first = "".join(rng.choices(["x = [1, 2]\n", "while False:\n    pass\n", "y = x or None\n"], k=4))
        second = "".join(rng.choices(["assert True\n", "import os\n", "w = {1: 2}\n"], k=4))
        assert len(compare({"first": shared + first, "second": shared + second})) == 1


def test_code_that_does_not_tokenise_is_compared_as_far_as_it_does():
    assert [token.text for token in normalised_tokens("total = len(values) + (1,\n")] == [
        *("V", "=", "len", "(", "V", ")", "+", "(", "N", ","),
    ]


def test_lines_are_numbered_as_the_tokenizer_numbers_them():
    code = "a = 1\r\nb = '\u2028'\x0c\nc = 2\n"
    assert [token.first_line for token in normalised_tokens(code) if token.text == "V"] == [1, 2, 3]
    assert [(line.number, line.text) for line in marked_lines(code, [(3, 3)])] == [
        (1, "a = 1"),
        (2, "b = '\u2028'\x0c"),
        (3, "c = 2"),
    ]
    assert [line.match for line in marked_lines(code, [(3, 3)])] == [None, None, 1]


@pytest.fixture
def course_instructor(django_user_model):
    return django_user_model.objects.create_user(username="hopper", password="pw-hopper-123456", is_staff=True)


@pytest.fixture
def assignment(synced, course_instructor, assistant, learner, other_learner):
    course = make_course(instructors=[course_instructor], assistants=[assistant], learners=[learner, other_learner])
    return make_assignment(course, opens_at=OPENS, due_at=DUE, cutoff_at=CUTOFF)


def _graded(user, assignment, code: str, when: datetime = DUE - HOUR, score: float = 1.0, **fields) -> Submission:
    return graded_at(make_submission(user=user, exercise=assignment.exercise, code=code, **fields), when, score)


@pytest.fixture
def copied(assignment, learner, other_learner):
    """ada's original and grace's renamed copy, both accepted in the window: ``(original, copy)``."""
    return _graded(learner, assignment, ORIGINAL), _graded(other_learner, assignment, RENAMED_COPY)


@pytest.mark.django_db
def test_only_the_latest_accepted_submission_of_each_course_learner_in_the_window_is_compared(
    assignment, learner, other_learner, course_instructor, django_user_model
):
    outsider = django_user_model.objects.create_user(username="outsider")
    _graded(learner, assignment, INDEPENDENT[0], when=DUE - 3 * HOUR)
    latest = _graded(learner, assignment, ORIGINAL, when=DUE - 2 * HOUR)
    _graded(learner, assignment, RENAMED_COPY, when=DUE - HOUR, score=0.5)  # not accepted
    _graded(learner, assignment, RENAMED_COPY, examples_only=True)  # an example run
    _graded(learner, assignment, RENAMED_COPY, when=CUTOFF + HOUR)  # after the cut-off
    _graded(other_learner, assignment, RENAMED_COPY, when=OPENS - HOUR)  # practice before opening
    _graded(outsider, assignment, RENAMED_COPY)
    _graded(course_instructor, assignment, RENAMED_COPY)
    report = assignment_similarity(assignment)
    assert report.submissions == [latest]
    assert report.pairs == []


@pytest.mark.django_db
def test_an_extension_moves_the_window_of_its_learner(assignment, learner, other_learner, course_instructor):
    _graded(learner, assignment, ORIGINAL)
    late = _graded(other_learner, assignment, RENAMED_COPY, when=CUTOFF + HOUR)
    assert late not in assignment_similarity(assignment).submissions
    services.extension_grant(
        assignment=assignment,
        learner=other_learner,
        due_at=CUTOFF + 2 * HOUR,
        reason="illness",
        granted_by=course_instructor,
    )
    report = assignment_similarity(assignment)
    assert late in report.submissions and len(report.pairs) == 1


@pytest.mark.django_db
def test_a_quiz_assignment_has_nothing_to_compare(assignment):
    from quizsite.catalog.models import Quiz

    quiz_assignment = make_assignment(assignment.course, quiz=Quiz.objects.first())
    assert assignment_similarity(quiz_assignment).pairs == []


def _list_url(assignment) -> str:
    return reverse("admin:courses_assignment_similarity", args=[assignment.pk])


def _pair_url(assignment, first, second) -> str:
    return reverse("admin:courses_assignment_similarity_pair", args=[assignment.pk, first.pk, second.pk])


@pytest.mark.django_db
def test_only_staff_of_the_course_see_its_similarity(client, assignment, copied, assistant, instructor, learner):
    urls = [_list_url(assignment), _pair_url(assignment, *copied)]
    client.force_login(instructor)  # staff, but of no course
    assert [client.get(url).status_code for url in urls] == [403, 403]
    client.force_login(learner)  # not staff: the admin sends them to log in
    assert [client.get(url).status_code for url in urls] == [302, 302]
    client.force_login(assistant)
    assert [client.get(url).status_code for url in urls] == [200, 200]


@pytest.mark.django_db
def test_the_list_ranks_the_copy_first_and_says_it_is_a_flag_not_a_verdict(
    client, assignment, copied, course_instructor, django_user_model
):
    for number, code in enumerate(INDEPENDENT):
        person = django_user_model.objects.create_user(username=f"independent-{number}")
        services.enrolment_set(course=assignment.course, user=person)
        _graded(person, assignment, code)
    client.force_login(course_instructor)
    changelist = client.get(reverse("admin:courses_assignment_changelist"))
    assert _list_url(assignment) in changelist.text
    page = client.get(_list_url(assignment))
    assert page.status_code == 200
    assert "A flag for a person to review, not a verdict" in page.text
    first = page.context["pairs"][0]
    assert {first.first.user.username, first.second.user.username} == {"ada", "grace"}
    assert _pair_url(assignment, first.first, first.second) in page.text


@pytest.mark.django_db
def test_the_pair_view_shows_both_codes_with_the_matching_lines_highlighted(
    client, assignment, copied, course_instructor
):
    original, copy = copied
    client.force_login(course_instructor)
    page = client.get(_pair_url(assignment, original, copy))
    assert page.status_code == 200
    assert "not a verdict" in page.text
    assert "if not 0.0 &lt;= p &lt;= 1.0:" in page.text  # the code, escaped
    assert "kept_units = rng.random(x.shape) &gt;= p" in page.text
    (_, first_lines), _ = page.context["sides"]
    highlighted = [line.number for line in first_lines if line.match]
    assert _line_of(ORIGINAL, "mask = keep / (1.0 - p)") in highlighted
    assert _line_of(ORIGINAL, "import numpy") not in highlighted  # starter code
    assert 'data-match="1"' in page.text


@pytest.mark.django_db
def test_the_pair_view_shows_only_submissions_compared_for_the_assignment(
    client, assignment, copied, course_instructor, django_user_model
):
    original, _ = copied
    outsider_work = _graded(django_user_model.objects.create_user(username="outsider"), assignment, ORIGINAL)
    client.force_login(course_instructor)
    assert client.get(_pair_url(assignment, original, outsider_work)).status_code == 404
