"""Writes to the catalogue: syncing content files into the database, edits from the admin, and the
validation runs that publish an exercise's version only once the sandbox has proved its checks."""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from grader.runner import ZygotePool
from grader.sandbox.limits import DEFAULT_EXERCISE_UNITS
from quizsite.catalog import content, questions, quizzes, selectors, validation
from quizsite.catalog.models import Exercise, Lesson, Question, Quiz, Topic, ValidationRun

log = logging.getLogger(__name__)
RunStatus = ValidationRun.Status
# What grading and validation read: an edit of one of these in the admin is a new version to validate.
GRADED_FIELDS = (
    "starter_code",
    "solution_code",
    "checks_source",
    "wrong_solutions",
    "runtime",
    "allowed_imports",
    *DEFAULT_EXERCISE_UNITS,
)


def catalogue_changed(**_signal_arguments) -> None:
    """Start a new catalogue revision once the current transaction commits (at once outside one), so
    that what :func:`selectors.per_catalogue_revision` cached from the old one is computed again.

    Connected to every save and delete of exercises, topics and validation runs (apps.py), which covers
    the admin and syncing, and to ``migrate`` (a release); a bulk ``update()`` of those rows calls it itself.
    """
    # After the commit: a request that read the new revision must also read the new rows. Robust: a cache
    # that cannot be reached must not turn a committed change into an error (entries expire after
    # CATALOGUE_CACHE_SECONDS).
    transaction.on_commit(lambda: cache.set(selectors.REVISION_KEY, uuid.uuid4().hex, None), robust=True)


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    unpublished: list[str] = field(default_factory=list)
    # Validation runs the sync requested (ids): an exercise's new version is hidden until its run passes.
    validations: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.unpublished)


@transaction.atomic
def content_sync(*, root: Path, enqueue_validations: bool = True) -> SyncReport:
    """Load topics and exercises from ``root`` into the database; idempotent.

    Exercises are matched by the uuid in info.toml, so renaming a folder keeps the exercise (and its
    submissions). Exercises whose folder disappeared are unpublished, never deleted; lessons,
    questions and quizzes are synced too, and questions that disappeared are deactivated. Raises
    :class:`content.ContentError` (and changes nothing) if any folder is invalid.

    Every exercise whose current version has no validation yet gets one (``report.validations``),
    enqueued for the workers once the transaction commits; with ``enqueue_validations=False`` the caller
    runs them itself (:func:`validation_run_execute`). Learners see the version once its run passes.
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
    _request_validations(seen, enqueue_validations, report)
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
        "hints": [{"check": title, "hint": hint} for title, hint in exercise.hints.items()],
        "reference_after_attempts": exercise.reference_after_attempts,
        "wrong_solutions": _stored_wrong_solutions(exercise),
        "content_hash": exercise.content_hash,
        "is_published": True,
        **{**DEFAULT_EXERCISE_UNITS, **exercise.limits},
    }
    _upsert(Exercise, {"uuid": exercise.uuid}, values, f"exercise {exercise.slug}", report)


def _stored_wrong_solutions(exercise: content.ExerciseContent) -> list[dict]:
    return [
        {
            "name": wrong.name,
            "mistake": wrong.mistake,
            "verdict": wrong.verdict,
            "fails": list(wrong.fails),
            "code": wrong.code,
        }
        for wrong in sorted(exercise.wrong_solutions.values(), key=lambda wrong: wrong.name)
    ]


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


def _request_validations(uuids: set[uuid.UUID], enqueue: bool, report: SyncReport) -> None:
    for exercise in Exercise.objects.filter(uuid__in=uuids).order_by("slug"):
        if _validation_due(exercise):
            run = validation_run_request(exercise=exercise, trigger=ValidationRun.Trigger.SYNC, enqueue=enqueue)
            report.validations.append(run.pk)


def _validation_due(exercise: Exercise) -> bool:
    # A version gets one verdict: a run waiting, running or concluded for it makes another pointless. One
    # that ended in error or was superseded said nothing about the content, so the next sync tries again.
    return not exercise.validation_runs.filter(
        content_hash=exercise.content_hash, status__in=[RunStatus.PENDING, RunStatus.RUNNING, *ValidationRun.CONCLUDED]
    ).exists()


@transaction.atomic
def exercise_edit(*, exercise: Exercise, changed: Iterable[str], requested_by=None) -> ValidationRun | None:
    """Save ``exercise`` as edited in the admin (``changed``: the names of the fields edited).

    If a field grading reads changed (:data:`GRADED_FIELDS`), this is a new version: the exercise gets a
    new content hash and a validation run, which is returned, and learners stop seeing it until that run
    passes. Other edits (title, statement, points) keep the version and its publication. The next sync
    replaces any edit with the files.
    """
    graded = set(changed) & set(GRADED_FIELDS)
    if graded:
        exercise.content_hash = _edited_version(exercise)
    exercise.save()
    if not graded:
        return None
    return validation_run_request(
        exercise=exercise, trigger=ValidationRun.Trigger.ADMIN_EDIT, requested_by=requested_by
    )


def _edited_version(exercise: Exercise) -> str:
    # The files' hash no longer describes an edited exercise: hash what grading reads instead. The prefix
    # keeps it from ever equalling a hash of files.
    values = {name: getattr(exercise, name) for name in GRADED_FIELDS}
    text = "admin-edit\0" + json.dumps(values, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def validation_run_request(
    *, exercise: Exercise, trigger: str = ValidationRun.Trigger.REQUESTED, requested_by=None, enqueue: bool = True
) -> ValidationRun:
    """Create a pending validation of ``exercise``'s current version and, unless ``enqueue`` is false (the
    caller then runs it with :func:`validation_run_execute`), enqueue it once the transaction commits.

    A run is always created, even for a version that passed before: staff may ask again, and the latest
    concluded run of a version is the one that decides whether learners see it.
    """
    run = ValidationRun.objects.create(
        exercise=exercise, content_hash=exercise.content_hash, trigger=trigger, requested_by=requested_by
    )
    log.info("validation of %s @ %s requested (%s)", exercise.slug, exercise.content_hash[:12], trigger)
    if enqueue:
        _enqueue_validation_on_commit(run.pk)
    return run


def _enqueue_validation_on_commit(run_id: int) -> None:
    from grader.tasks import validate_exercise

    # After the commit, so the worker finds the run. Robust: with the broker down the run stays pending,
    # the change that requested it is kept, and the sweeper sends it later.
    transaction.on_commit(lambda: validate_exercise.delay(run_id), robust=True)


def validation_run_claim(*, run_id: int) -> tuple[ValidationRun, uuid.UUID] | None:
    """Claim a run for validating; return it (with its exercise) and a new claim token, or ``None``.

    Claimable: ``pending``, or ``running`` for longer than ``SWEEP_RUNNING_AFTER_SECONDS`` (its worker
    died), fewer than ``GRADING_MAX_ATTEMPTS`` times. One conditional update: two deliveries of the same
    message cannot both validate, and only the latest claimer's token can record the report.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.SWEEP_RUNNING_AFTER_SECONDS)
    claimable = Q(status=RunStatus.PENDING) | Q(status=RunStatus.RUNNING, started_at__lt=stale)
    token = uuid.uuid4()
    won = ValidationRun.objects.filter(claimable, pk=run_id, attempts__lt=settings.GRADING_MAX_ATTEMPTS).update(
        status=RunStatus.RUNNING, attempts=F("attempts") + 1, claim_token=token, started_at=now
    )
    if won != 1:
        return None
    return ValidationRun.objects.select_related("exercise__topic").get(pk=run_id), token


def validation_run_execute(
    *, run_id: int, zygotes: ZygotePool, time_budget: float | None = None
) -> ValidationRun | None:
    """Claim run ``run_id``, grade every sample of its exercise's version in ``zygotes`` and record the
    report; return the finished run, or ``None`` if it was not this caller's to run.

    The exercise is read once, with the claim, so the code graded is the version recorded. A run whose
    exercise changed since it was requested ends ``superseded`` without grading. A sandbox failure, or a
    ``time_budget`` (seconds) spent before every sample was graded, ends it as ``error``. A database
    error propagates: the run stays ``running`` and the sweeper hands it out again.
    """
    claimed = validation_run_claim(run_id=run_id)
    if claimed is None:
        return None
    run, token = claimed
    if run.exercise.content_hash != run.content_hash:
        message = f"The exercise changed (now {run.exercise.content_hash[:12]}) before this run started."
        return validation_run_record(
            run_id=run_id, token=token, results=[], outcome=RunStatus.SUPERSEDED, message=message
        )
    deadline = time.monotonic() + time_budget if time_budget is not None else None
    try:
        results = validation.exercise_validate(
            exercise=validation.content_of(run.exercise), zygotes=zygotes, deadline=deadline
        )
    except validation.ValidationOutOfTime as stopped:
        partial = [result.as_dict() for result in stopped.results]
        return validation_run_record(
            run_id=run_id,
            token=token,
            results=partial,
            outcome=RunStatus.ERROR,
            message=f"Could not finish: {stopped}.",
        )
    except Exception as exc:  # a run that cannot validate says so in its report
        log.exception("validation of %s failed to run", run.exercise.slug)
        return validation_run_record(
            run_id=run_id,
            token=token,
            results=[],
            outcome=RunStatus.ERROR,
            message=f"Could not validate: {type(exc).__name__}: {exc}",
        )
    return validation_run_record(run_id=run_id, token=token, results=[result.as_dict() for result in results])


def validation_run_record(
    *, run_id: int, token: uuid.UUID, results: list[dict], outcome: str | None = None, message: str = ""
) -> ValidationRun | None:
    """Finish a claimed run with its report; return it, or ``None`` if ``token`` is no longer the claim.

    ``results`` are :meth:`validation.SampleResult.as_dict` entries. Without an ``outcome`` the run
    passed if every sample got the verdict it must, and failed otherwise, with a message naming the
    samples that did not. Recording never touches the exercise: whether learners see it is decided by
    ``selectors.published_exercises`` from the runs of its current version, so a run of an older version
    can never publish a newer one.
    """
    if outcome is None:
        wrong = [result for result in results if not result["ok"]]
        outcome = RunStatus.PASSED if results and not wrong else RunStatus.FAILED
        message = message or _summary(results, wrong)
    done = ValidationRun.objects.filter(pk=run_id, status=RunStatus.RUNNING, claim_token=token).update(
        status=outcome, results=results, message=message, finished_at=timezone.now()
    )
    if done != 1:
        return None
    catalogue_changed()  # the concluded run may publish or withdraw its version
    run = ValidationRun.objects.select_related("exercise").get(pk=run_id)
    log.info("validation of %s @ %s: %s. %s", run.exercise.slug, run.content_hash[:12], outcome, message)
    return run


def _summary(results: list[dict], wrong: list[dict]) -> str:
    if not wrong:
        return f"All {len(results)} samples got the verdict they must."
    named = "; ".join(_what_went_wrong(result) for result in wrong)
    return f"{len(wrong)} of {len(results)} samples did not get the verdict they must: {named}."


def _what_went_wrong(result: dict) -> str:
    said = f"{result['sample']} got {result['verdict']}, must get {result['expected']}"
    if result["passed_unexpectedly"]:
        said += f" and fail {', '.join(result['passed_unexpectedly'])}"
    return said


def validation_runs_requeue_stuck(*, queued_for: timedelta, running_for: timedelta) -> dict[str, int]:
    """Hand out again the runs a lost message or a dead worker left behind; for the sweeper.

    Pending runs last sent more than ``queued_for`` ago are enqueued again; running runs started more
    than ``running_for`` ago are enqueued again (the claim lets a redelivery take them over), or end as
    ``error`` once started ``GRADING_MAX_ATTEMPTS`` times. A duplicate message is harmless: the claim
    lets one of them run.
    """
    now = timezone.now()
    stale = ValidationRun.objects.filter(status=RunStatus.RUNNING, started_at__lt=now - running_for)
    given_up = stale.filter(attempts__gte=settings.GRADING_MAX_ATTEMPTS).update(
        status=RunStatus.ERROR,
        message=f"Interrupted {settings.GRADING_MAX_ATTEMPTS} times; ask for a validation again.",
        finished_at=now,
    )
    if given_up:
        catalogue_changed()
    resend = list(
        ValidationRun.objects.filter(
            Q(status=RunStatus.PENDING, queued_at__lt=now - queued_for)
            | Q(status=RunStatus.RUNNING, started_at__lt=now - running_for, attempts__lt=settings.GRADING_MAX_ATTEMPTS)
        ).values_list("pk", flat=True)
    )
    ValidationRun.objects.filter(pk__in=resend).update(queued_at=now)
    for run_id in resend:
        _enqueue_validation_on_commit(run_id)
    return {"requeued": len(resend), "given_up": given_up}
