"""Figures of check results: who may see one, the link the API gives, and the SVG the web process draws.

A check attaches a figure while it grades (``grader.harness.figure``); the worker stores its data with the
result and draws nothing. The web process draws it when it is asked for (:mod:`quizsite.learning.figure_kinds`).

Who sees a figure: exactly those who see the check's message. The submission must be visible to the viewer
(:func:`quizsite.learning.selectors.submissions_visible_to`, the API's rule: the owner, the API client acting
for them, staff who teach them, superusers; anyone else gets a 404, as if it did not exist). A hidden check's
figure is drawn from the hidden case, as its message is (a message says what went in, what was expected and
what came back), so it shows no more than the message does; where a course withholds the hidden checks'
messages until the due date (:func:`quizsite.learning.selectors.results_shown_to`), their figures are
withheld with them: no link in the API, and a 404 for the URL.
"""

from __future__ import annotations

import hashlib

from django.urls import reverse

from quizsite.learning import figure_kinds
from quizsite.learning.models import Submission
from quizsite.learning.selectors import WITHHELD_MESSAGE, results_shown_to, submissions_visible_to


def shown_figure(result: dict) -> dict | None:
    """The figure of a result as :func:`results_shown_to` gave it; None if it has none, if its kind is
    not one this version draws, or if the check's details are withheld from the viewer."""
    figure = result.get("figure")
    if not isinstance(figure, dict) or figure.get("kind") not in figure_kinds.DRAWERS:
        return None
    if not result.get("public") and result.get("message") == WITHHELD_MESSAGE:
        return None
    return figure


def figure_link(submission: Submission, index: int, result: dict, request=None) -> dict | None:
    """What the API says of the figure of ``submission``'s check ``index`` (``result``, as shown to the
    viewer): its kind, its text alternative and its URL (absolute when ``request`` is given), or None."""
    figure = shown_figure(result)
    if figure is None:
        return None
    url = reverse("submission-figure", args=[submission.pk, index])
    return {
        "kind": figure["kind"],
        "description": str(figure.get("description", "")),
        "url": request.build_absolute_uri(url) if request is not None else url,
    }


def submission_figure_svg(*, viewer, submission_id, index: int) -> tuple[str, str] | None:
    """The SVG of the figure of check ``index`` of a submission and its ETag, or None when ``viewer`` may
    not see it (see the module docstring) or there is none."""
    if not viewer.is_authenticated:
        return None
    submission = submissions_visible_to(viewer).filter(pk=submission_id).first()
    if submission is None:
        return None
    shown = results_shown_to(submission, viewer)
    if not 0 <= index < len(shown):
        return None
    figure = shown_figure(shown[index])
    if figure is None:
        return None
    svg = figure_kinds.render(figure, str(shown[index].get("name", "")))
    # The ETag is the drawing's own hash: a regrade or a change to the drawing code changes it.
    return svg, '"' + hashlib.sha256(svg.encode()).hexdigest()[:32] + '"'
