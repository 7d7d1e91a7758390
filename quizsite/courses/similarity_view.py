"""The similarity pages of the admin: an assignment's ranked pairs, and one pair side by side.

Kept beside the admin rather than in it so that ``AssignmentAdmin`` only routes to them. Who may see them is
the admin's own rule (``CourseScoped.has_view_permission``: staff of the assignment's course), else 403.
"""

from __future__ import annotations

from functools import partial

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from quizsite.courses import similarity
from quizsite.courses.models import Assignment

LISTED_PAIRS = 100  # past the first hundred, a pair is far below the ones a reviewer reads first


def similarity_urls(model_admin) -> list[URLPattern]:
    """The list and pair pages bound to ``model_admin`` (the ``AssignmentAdmin``), for its ``get_urls``."""
    view = model_admin.admin_site.admin_view
    return [
        path(
            "<uuid:assignment_id>/similarity/",
            view(partial(similarity_view, model_admin)),
            name="courses_assignment_similarity",
        ),
        path(
            "<uuid:assignment_id>/similarity/<uuid:first_id>/<uuid:second_id>/",
            view(partial(similarity_pair_view, model_admin)),
            name="courses_assignment_similarity_pair",
        ),
    ]


def _staff_assignment(model_admin, request, assignment_id) -> Assignment:
    assignment = get_object_or_404(Assignment.objects.select_related("course", "exercise"), pk=assignment_id)
    if not model_admin.has_view_permission(request, assignment):
        raise PermissionDenied
    if assignment.exercise_id is None:
        raise Http404("A quiz has no code to compare.")
    return assignment


def _context(model_admin, request, assignment: Assignment, title: str) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "title": f"{title}: {assignment.display_title} ({assignment.course.code})",
        "assignment": assignment,
        "opts": model_admin.model._meta,
        "kgram": similarity.KGRAM,
        "common_limit": similarity.COMMON_LIMIT,
    }


def similarity_view(model_admin, request, assignment_id) -> TemplateResponse:
    """Pairs of learners' latest accepted submissions, most similar first."""
    assignment = _staff_assignment(model_admin, request, assignment_id)
    report = similarity.assignment_similarity(assignment)
    context = {
        **_context(model_admin, request, assignment, "Similarity"),
        "report": report,
        "pairs": report.pairs[:LISTED_PAIRS],
        "unlisted": max(0, len(report.pairs) - LISTED_PAIRS),
    }
    return TemplateResponse(request, "admin/courses/similarity.html", context)


def similarity_pair_view(model_admin, request, assignment_id, first_id, second_id) -> TemplateResponse:
    """Two compared submissions side by side, the stretches found in both highlighted."""
    assignment = _staff_assignment(model_admin, request, assignment_id)
    pair = similarity.assignment_similarity(assignment).pair(first_id, second_id)
    if pair is None:
        raise Http404("Only the submissions compared for this assignment can be shown here.")
    context = {
        **_context(model_admin, request, assignment, "Similar pair"),
        "pair": pair,
        "matches": [(number, similarity.match_colour(number), match) for number, match in enumerate(pair.matches, 1)],
        "sides": [
            (pair.first, similarity.marked_lines(pair.first.code, [match.first_lines for match in pair.matches])),
            (pair.second, similarity.marked_lines(pair.second.code, [match.second_lines for match in pair.matches])),
        ],
    }
    return TemplateResponse(request, "admin/courses/similarity.html", context)
