"""Reads for the catalogue: what learners may see (the one place "published" is decided), and questions
as renderable definitions."""

from __future__ import annotations

import functools
from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet

from quizsite.catalog import questions
from quizsite.catalog.models import Exercise, Question, Quiz


def published_exercises() -> QuerySet[Exercise]:
    """Exercises learners may open and submit to (a removed content folder unpublishes one)."""
    return Exercise.objects.filter(is_published=True).select_related("topic")


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
