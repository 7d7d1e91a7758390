"""Writes to the catalogue: syncing content files into the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from grader.sandbox.limits import DEFAULT_EXERCISE_UNITS
from quizsite.catalog import content, questions, quizzes
from quizsite.catalog.models import Exercise, Lesson, Question, Quiz, Topic


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    unpublished: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.unpublished)


@transaction.atomic
def content_sync(*, root: Path) -> SyncReport:
    """Load topics and exercises from ``root`` into the database; idempotent.

    Exercises are matched by the uuid in info.toml, so renaming a folder keeps the exercise (and its
    submissions). Exercises whose folder disappeared are unpublished, never deleted; lessons,
    questions and quizzes are synced too, and questions that disappeared are deactivated. Raises
    :class:`content.ContentError` (and changes nothing) if any folder is invalid.
    """
    report = SyncReport()
    topics = {topic.slug: topic for topic in content.load_topics(root)}
    exercises = content.load_exercises(root)
    for topic in topics.values():
        _sync_topic(topic, report)
    for exercise in exercises:
        if exercise.topic not in topics:
            raise content.ContentError(f"{exercise.slug}: unknown topic {exercise.topic!r}")
        _sync_exercise(exercise, report)
    seen = {exercise.uuid for exercise in exercises}
    for stale in Exercise.objects.filter(is_published=True).exclude(uuid__in=seen):
        stale.is_published = False
        stale.save(update_fields=["is_published", "updated_at"])
        report.unpublished.append(f"exercise {stale.slug}")
    _sync_lessons(root, report)
    _sync_questions(questions.load_bank(root), report)
    _sync_quizzes(quizzes.load_quizzes(root), report)
    return report


def _sync_lessons(root: Path, report: SyncReport) -> None:
    for topic in Topic.objects.all():
        path = root / "topics" / topic.slug / "lesson.md"
        if path.exists():
            _upsert(
                Lesson, {"topic": topic}, {"body": path.read_text(encoding="utf-8")}, f"lesson {topic.slug}", report
            )


def _sync_questions(bank: list[questions.Question], report: SyncReport) -> None:
    topics = {topic.slug: topic for topic in Topic.objects.all()}
    for question in bank:
        values = {
            "topic": topics[question.topic],
            "kind": question.kind,
            "difficulty": question.difficulty,
            "prompt": question.prompt,
            "options": list(question.options),
            "matches": list(question.matches),
            "answer": question.answer,
            "tolerance": question.tolerance,
            "explanation": question.explanation,
            "generator": question.generator.__name__ if question.generator else "",
            "is_active": True,
        }
        _upsert(Question, {"key": question.id}, values, f"question {question.id}", report)
    keys = {question.id for question in bank}
    for stale in Question.objects.filter(is_active=True).exclude(key__in=keys):
        stale.is_active = False
        stale.save(update_fields=["is_active"])
        report.unpublished.append(f"question {stale.key}")


def _sync_quizzes(definitions: list[quizzes.QuizContent], report: SyncReport) -> None:
    known = set(Question.objects.values_list("key", flat=True))
    for quiz in definitions:
        missing = set(quiz.questions) - known
        if missing:
            raise content.ContentError(f"quiz {quiz.slug}: unknown questions {sorted(missing)}")
        values = {
            "title": quiz.title,
            "description": quiz.description,
            "mode": quiz.mode,
            "question_keys": quiz.questions,
            "question_count": quiz.question_count,
            "time_limit_minutes": quiz.time_limit_minutes,
            "max_attempts": quiz.max_attempts,
            "position": quiz.position,
            "is_published": True,
        }
        _upsert(Quiz, {"slug": quiz.slug}, values, f"quiz {quiz.slug}", report)
        instance = Quiz.objects.get(slug=quiz.slug)
        wanted = set(Topic.objects.filter(slug__in=quiz.topics))
        if set(instance.topics.all()) != wanted:
            instance.topics.set(wanted)
    # A quiz whose file is gone stops being offered (its attempts, and so its row, stay).
    for stale in Quiz.objects.filter(is_published=True).exclude(slug__in=[quiz.slug for quiz in definitions]):
        stale.is_published = False
        stale.save(update_fields=["is_published"])
        report.unpublished.append(f"quiz {stale.slug}")


def _sync_topic(topic: content.TopicContent, report: SyncReport) -> None:
    values = {"title": topic.title, "position": topic.position}
    _upsert(Topic, {"slug": topic.slug}, values, f"topic {topic.slug}", report)


def _sync_exercise(exercise: content.ExerciseContent, report: SyncReport) -> None:
    values = {
        "slug": exercise.slug,
        "title": exercise.title,
        "topic": Topic.objects.get(slug=exercise.topic),
        "difficulty": exercise.difficulty,
        "runtime": exercise.runtime,
        "allowed_imports": list(exercise.allowed_imports),
        "points": exercise.points,
        "statement": exercise.statement,
        "starter_code": exercise.starter_code,
        "solution_code": exercise.solution_code,
        "checks_source": exercise.checks_source,
        "public_examples": exercise.public_examples,
        "content_hash": exercise.content_hash,
        "is_published": True,
        **{**DEFAULT_EXERCISE_UNITS, **exercise.limits},
    }
    _upsert(Exercise, {"uuid": exercise.uuid}, values, f"exercise {exercise.slug}", report)


def _upsert(model, lookup: dict, values: dict, label: str, report: SyncReport) -> None:
    instance = model.objects.filter(**lookup).first()
    if instance is None:
        model.objects.create(**lookup, **values)
        report.created.append(label)
        return
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if not changed:
        report.unchanged.append(label)
        return
    for name in changed:
        setattr(instance, name, values[name])
    instance.save()
    report.updated.append(f"{label} ({', '.join(changed)})")
