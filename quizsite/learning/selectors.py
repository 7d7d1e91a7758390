"""Reads for submissions."""

from __future__ import annotations

from django.db.models import QuerySet

from quizsite.learning.models import Submission


def submissions_visible_to(user) -> QuerySet[Submission]:
    """Staff see every submission; everyone else sees only their own."""
    queryset = Submission.objects.select_related("exercise", "user")
    if user.is_staff:
        return queryset
    return queryset.filter(user=user)
