"""Submissions and quiz attempts as CSV rows, for the admin's "Download grades"."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from django.db.models import QuerySet

from quizsite.formats import timestamp
from quizsite.learning.models import Attempt, Submission
from quizsite.spreadsheets import defuse

GRADE_COLUMNS = [
    "learner",
    "name",
    "external_id",
    "kind",
    "item",
    "verdict",
    "score",
    "created_at",
    "finished_at",
    "id",
]


def submission_grade_rows(submissions: QuerySet[Submission]) -> list[dict]:
    """One row per submission, oldest first; an example run is ``kind`` "example run", never a grade."""
    queryset = submissions.select_related("user__external_identity", "exercise").order_by("created_at")
    return [
        {
            **_learner_columns(submission.user),
            "kind": "example run" if submission.examples_only else "exercise",
            "item": submission.exercise.slug,
            "verdict": submission.verdict or submission.status,
            "score": submission.score,
            "created_at": submission.created_at,
            "finished_at": submission.finished_at,
            "id": submission.pk,
        }
        for submission in queryset
    ]


def attempt_grade_rows(attempts: QuerySet[Attempt]) -> list[dict]:
    """One row per quiz attempt, oldest first; its ``verdict`` is its status (an open attempt has no score)."""
    queryset = attempts.select_related("user__external_identity", "quiz").order_by("started_at")
    return [
        {
            **_learner_columns(attempt.user),
            "kind": "quiz",
            "item": attempt.quiz.slug,
            "verdict": attempt.status,
            "score": attempt.score,
            "created_at": attempt.started_at,
            "finished_at": attempt.submitted_at,
            "id": attempt.pk,
        }
        for attempt in queryset
    ]


def _learner_columns(user) -> dict:
    identity = getattr(user, "external_identity", None)
    return {
        "learner": user.username,
        "name": user.get_full_name(),
        "external_id": identity.external_id if identity else "",
    }


def grades_csv(rows: Iterable[dict]) -> str:
    """``rows`` as CSV text with a header of :data:`GRADE_COLUMNS`; times in ISO 8601, empty cells for None.

    Every cell goes through :func:`quizsite.spreadsheets.defuse`: names and external ids come from learners and
    API clients.
    """
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=GRADE_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({column: _cell(row[column]) for column in GRADE_COLUMNS})
    return out.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timestamp(value)  # the API's one format (quizsite.formats)
    return defuse(value.isoformat() if hasattr(value, "isoformat") else str(value))
