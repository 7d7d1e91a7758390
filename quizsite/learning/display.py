"""How staff pages show a learner's work: highlighted code, the changes since the previous submission, and a
quiz answer in words instead of option indices."""

from __future__ import annotations

import difflib
import functools
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from quizsite.catalog.questions import Variant

CODE_CLASS = "source"
# Inline line numbers keep the code one <pre> (no table for the admin's table styles to reflow), and
# match the line numbers in tracebacks; the page's CSS keeps them out of a copied selection.
_FORMATTER = HtmlFormatter(cssclass=CODE_CLASS, linenos="inline")
_HUNK_KINDS = {"@": "hunk", "+": "added", "-": "removed"}


def highlight_python(code: str) -> SafeString:
    """``code`` as highlighted HTML in a ``<pre>``: indentation kept, every character of the code escaped."""
    # Safe: Pygments escapes the source text; only its own spans are markup.
    return mark_safe(highlight(code, PythonLexer(stripnl=False, ensurenl=True), _FORMATTER))  # noqa: S308


@functools.cache
def code_css() -> SafeString:
    """The colours of :func:`highlight_python`'s markup, for a ``<style>`` element (served with the page)."""
    rules = _FORMATTER.get_background_style_defs(f".{CODE_CLASS}") + _FORMATTER.get_token_style_defs(f".{CODE_CLASS}")
    return mark_safe("\n".join(rules))  # noqa: S308 - Pygments' own style table, no user text


def diff_lines(old: str, new: str, *, old_label: str, new_label: str) -> list[tuple[str, str]]:
    """A unified diff from ``old`` to ``new`` as ``(kind, line)`` pairs, ``kind`` one of ``file``, ``hunk``,
    ``added``, ``removed``, ``same``; empty when the two are identical."""
    lines = list(
        difflib.unified_diff(old.splitlines(), new.splitlines(), fromfile=old_label, tofile=new_label, lineterm="")
    )
    # The two file headers come first; after them "--- x" is a removed line "-- x", not a header.
    return [("file", line) for line in lines[:2]] + [(_HUNK_KINDS.get(line[:1], "same"), line) for line in lines[2:]]


def response_texts(variant: Variant, response: Any) -> list[str]:
    """An answer to ``variant`` in words: the texts of the options it picks, in its order (``"left → right"``
    for matching). Empty for no answer; a response that does not fit the question is shown as it was stored."""
    if response is None:
        return []
    kind, options = variant.kind, variant.options
    try:
        if kind == "single":
            return [options[_index(response)]]
        if kind in ("multiple", "ordering"):
            return [options[_index(i)] for i in response]
        if kind == "matching":
            return [f"{left} → {variant.matches[_index(shown)]}" for left, shown in zip(options, response, strict=True)]
    except (IndexError, TypeError, ValueError):
        return [repr(response)]
    if kind == "true_false" and isinstance(response, bool):
        return ["True" if response else "False"]
    return [str(response)]


def _index(value: Any) -> int:
    # Negative or boolean "indices" would silently pick the wrong option.
    if type(value) is not int or value < 0:
        raise ValueError(value)
    return value
