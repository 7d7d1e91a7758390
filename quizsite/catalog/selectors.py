"""Reads for the catalogue: what learners may see (the one place "published" is decided), and questions
as renderable definitions."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import OuterRef, QuerySet, Subquery

from quizsite.catalog import questions
from quizsite.catalog.models import Exercise, Question, Quiz, ValidationRun

REVISION_KEY = "catalog:revision"
T = TypeVar("T")


def published_exercises() -> QuerySet[Exercise]:
    """Exercises learners may open and submit to: published (a removed content folder unpublishes one)
    and validated, i.e. the latest concluded validation run of the current version passed.

    Decided from the runs of the version the row holds now, so a run of an older version can never
    publish a newer one, and a version that passed before (content reverted) is live again at once.
    """
    concluded = _runs_of_current_version().filter(status__in=ValidationRun.CONCLUDED).order_by("-finished_at", "-pk")
    return (
        Exercise.objects.alias(validation=Subquery(concluded.values("status")[:1]))
        .filter(is_published=True, validation=ValidationRun.Status.PASSED)
        .select_related("topic")
    )


def exercises_with_validation() -> QuerySet[Exercise]:
    """Every exercise with ``validation_status``: the status of the latest run of its current version
    (``None`` if none was requested), for staff."""
    latest = _runs_of_current_version().order_by("-created_at", "-pk")
    return Exercise.objects.annotate(validation_status=Subquery(latest.values("status")[:1])).select_related("topic")


def latest_validation_run(exercise: Exercise) -> ValidationRun | None:
    """The latest validation run of ``exercise``'s current version, if any."""
    return (
        exercise.validation_runs.filter(content_hash=exercise.content_hash)
        .select_related("requested_by")
        .order_by("-created_at", "-pk")
        .first()
    )


def _runs_of_current_version() -> QuerySet[ValidationRun]:
    return ValidationRun.objects.filter(exercise=OuterRef("pk"), content_hash=OuterRef("content_hash"))


def per_catalogue_revision(name: str, compute: Callable[[], T]) -> T:
    """``compute()``, shared through the cache by every process until the catalogue changes
    (:func:`quizsite.catalog.services.catalogue_changed`), for what every learner sees alike.

    One cache read a call: the revision and the entry together. An entry from an older revision is
    computed again, so a slow request that stored an old value under ``name`` is never served after it.
    ``None`` is never kept. Without ``CATALOGUE_CACHE_SECONDS`` (no shared cache), ``compute()`` every time.
    """
    if not settings.CATALOGUE_CACHE_SECONDS:
        return compute()
    key = f"catalog:{name}"
    found = cache.get_many([REVISION_KEY, key])
    revision = found.get(REVISION_KEY)
    if revision is None:
        # A cache that lost the revision (restarted, evicted) starts a new one: nothing older is trusted.
        revision = uuid.uuid4().hex
        if not cache.add(REVISION_KEY, revision, None):
            revision = cache.get(REVISION_KEY, revision)
    entry = found.get(key)
    if entry is not None and entry[0] == revision:
        return entry[1]
    value = compute()
    if value is not None:  # nothing kept for what does not exist, so made-up names cannot fill the cache
        cache.set(key, (revision, value), settings.CATALOGUE_CACHE_SECONDS)
    return value


def published_exercise(slug: str, *, without: tuple[str, ...] = ()) -> Exercise | None:
    """The published exercise ``slug`` (with its topic), or ``None``; ``without`` names columns left
    unread. Read once per catalogue revision (:func:`per_catalogue_revision`): pages and submissions
    ask for it on every request."""
    return per_catalogue_revision(
        f"exercise:{slug}:{','.join(without)}",
        lambda: published_exercises().defer(*without).filter(slug=slug).first(),
    )


def published_quizzes() -> QuerySet[Quiz]:
    """Quizzes learners may start."""
    return Quiz.objects.filter(is_published=True)


@functools.lru_cache(maxsize=64)
def _generators(path: Path, modified: float) -> dict:
    return questions.load_generators(path)


def question_definition(question: Question) -> questions.Question:
    """The renderable form of a stored question; a generator comes from its topic's questions.py."""
    generator = None
    if question.generator:
        path = Path(settings.CONTENT_DIR) / "topics" / question.topic.slug / "questions.py"
        modified = path.stat().st_mtime if path.exists() else 0.0
        generator = _generators(path, modified).get(question.generator)
        if generator is None:
            raise questions.QuestionError(f"question {question.key}: generator {question.generator!r} is missing")
    return questions.Question(
        id=question.key,
        topic=question.topic.slug,
        kind=question.kind,
        prompt=question.prompt,
        explanation=question.explanation,
        options=tuple(question.options),
        matches=tuple(question.matches),
        answer=question.answer,
        tolerance=question.tolerance,
        generator=generator,
        difficulty=question.difficulty,
    )


def variant_of(question: Question, attempt_key: str) -> questions.Variant:
    """The variant a given attempt shows for ``question``: stable for the attempt, different across attempts."""
    return questions.render(question_definition(question), questions.variant_seed(attempt_key, question.key))
