"""Staff pages show a learner's code highlighted with its layout intact, changes as a diff, and answers in words."""

import html
import re

from quizsite.catalog.questions import Variant, correct_response
from quizsite.learning import display

CODE = "def scale(x, p):\n    if p < 1:\n        return x / (1 - p)\n\treturn 0\n"


def _text(markup: str) -> str:
    """What a reader sees in highlighted code: its text, without the line numbers."""
    return html.unescape(re.sub(r"<[^>]+>", "", re.sub(r'<span class="linenos">\s*\d+</span>', "", markup)))


def _variant(kind: str, *, options=(), matches=(), answer=None, order=()) -> Variant:
    return Variant("q", kind, "prompt", tuple(options), tuple(matches), answer, {}, "why", tuple(order))


def test_highlighted_code_keeps_every_space_tab_and_line():
    markup = display.highlight_python(CODE)
    assert markup.startswith('<div class="source"><pre>')
    assert _text(markup.strip()) == CODE


def test_highlighted_code_keeps_leading_blank_lines_so_line_numbers_match_tracebacks():
    markup = display.highlight_python("\n\nraise ValueError\n")
    assert re.findall(r'<span class="linenos">\s*(\d+)</span>', markup) == ["1", "2", "3"]


def test_highlighted_code_marks_keywords_and_escapes_the_learners_markup():
    markup = display.highlight_python('print("</pre><script>alert(1)</script>")\n')
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert '<span class="k">def</span>' in display.highlight_python(CODE)


def test_code_css_colours_only_the_highlighted_block():
    rules = display.code_css().splitlines()
    assert rules and all(rule.startswith(".source") for rule in rules)


def test_a_diff_labels_its_lines_added_removed_and_unchanged():
    lines = display.diff_lines(
        "a = 1\nb = 2\nc = 3\n", "a = 1\nb = 20\nc = 3\n", old_label="previous", new_label="this submission"
    )
    assert lines == [
        ("file", "--- previous"),
        ("file", "+++ this submission"),
        ("hunk", "@@ -1,3 +1,3 @@"),
        ("same", " a = 1"),
        ("removed", "-b = 2"),
        ("added", "+b = 20"),
        ("same", " c = 3"),
    ]


def test_a_diff_tells_a_removed_line_starting_with_dashes_from_a_file_header():
    lines = display.diff_lines("-- x\n", "", old_label="a", new_label="b")
    assert lines[-1] == ("removed", "--- x")


def test_identical_code_has_an_empty_diff():
    assert display.diff_lines(CODE, CODE, old_label="a", new_label="b") == []


def test_single_and_multiple_choice_answers_are_the_option_texts():
    single = _variant("single", options=["ReLU", "tanh"], answer=1)
    multiple = _variant("multiple", options=["ReLU", "tanh", "GELU"], answer=[0, 2])
    assert display.response_texts(single, 0) == ["ReLU"]
    assert display.response_texts(multiple, [2, 0]) == ["GELU", "ReLU"]
    assert display.response_texts(multiple, correct_response(multiple)) == ["ReLU", "GELU"]


def test_ordering_answers_are_the_options_in_the_learners_order():
    variant = _variant("ordering", options=["second", "first"], order=(1, 0))
    assert display.response_texts(variant, [1, 0]) == ["first", "second"]
    assert display.response_texts(variant, correct_response(variant)) == ["first", "second"]


def test_matching_answers_pair_each_item_with_the_chosen_match():
    variant = _variant("matching", options=["train", "eval"], matches=["identity", "drop"], order=(1, 0))
    assert display.response_texts(variant, [0, 1]) == ["train → identity", "eval → drop"]
    assert display.response_texts(variant, correct_response(variant)) == ["train → drop", "eval → identity"]


def test_true_false_and_numeric_answers_are_shown_as_given():
    assert display.response_texts(_variant("true_false", answer=True), False) == ["False"]
    assert display.response_texts(_variant("numeric", answer=2.0), 1.25) == ["1.25"]


def test_no_answer_is_an_empty_list():
    assert display.response_texts(_variant("single", options=["a", "b"], answer=0), None) == []


def test_an_answer_that_does_not_fit_the_question_is_shown_as_stored():
    variant = _variant("single", options=["a", "b"], answer=0)
    assert display.response_texts(variant, 5) == ["5"]
    assert display.response_texts(variant, True) == ["True"]
    assert display.response_texts(_variant("multiple", options=["a", "b"], answer=[0]), [0, -1]) == ["[0, -1]"]
