"""Reads for submissions."""

from __future__ import annotations

import heapq
import math
import statistics
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.utils import timezone

from quizsite.accounts.selectors import learner_identity
from quizsite.catalog.models import Exercise, Quiz, Topic
from quizsite.catalog.questions import QuestionError, correct_response
from quizsite.catalog.selectors import published_exercises, variant_of
from quizsite.courses.selectors import hidden_details_withheld, learners_taught_by
from quizsite.learning.display import response_texts
from quizsite.learning.models import Attempt, Submission


def submissions_filtered(
    user, *, exercise: str | None = None, learner: str | None = None, status: str | None = None, updated_since=None
) -> QuerySet[Submission]:
    """The submissions ``user`` may see, narrowed by the given filters."""
    queryset = _narrowed(submissions_visible_to(user), exercise__slug=exercise, status=status,
                         learner=learner, updated_since=updated_since)  # fmt: skip
    # A regraded submission shows the result it replaced: one query for the page, not one per row.
    return queryset.prefetch_related("grading_records")


def _narrowed(queryset: QuerySet, *, learner: str | None, updated_since, **equal) -> QuerySet:
    """``queryset`` with the filters a list of learners' work takes: fields ``equal`` to the values given, the
    learner by username or external id, and what changed at or after ``updated_since``. None means no filter."""
    queryset = queryset.filter(**{field: value for field, value in equal.items() if value})
    if learner:
        queryset = queryset.filter(_learner_named(learner))
    if updated_since:
        queryset = queryset.filter(updated_at__gte=updated_since)
    return queryset


def _owned_by(user) -> Q:
    """A user's own things and, for an API client's service account, those of the client's learners."""
    return Q(user=user) | Q(user__external_identity__client__service_user=user)


def _visible_to(user) -> Q | None:
    """What ``user`` may see of learners' work: None for everything (superusers); instructors and teaching
    assistants their own and their courses' learners'; an API client its learners'; a learner their own."""
    if user.is_superuser:
        return None
    if user.is_staff:
        return _owned_by(user) | Q(user__in=learners_taught_by(user))
    return _owned_by(user)


def submissions_visible_to(user) -> QuerySet[Submission]:
    """The submissions ``user`` may see (see :func:`_visible_to`)."""
    queryset = Submission.objects.select_related("exercise", "user__external_identity")
    rule = _visible_to(user)
    return queryset if rule is None else queryset.filter(rule)


# The queue estimate reads at most this many rows: the gradings running, then the first queued ones ahead.
# Clients poll it, so a long queue is counted, not loaded.
QUEUE_ROWS_READ = 200
# Typical grading times: medians of at most RECENT_GRADINGS_MEDIAN latest gradings, an exercise's or any
# exercise's, among the last RECENT_GRADINGS_READ (one bounded read every 30 s).
RECENT_GRADINGS_READ = 1000
RECENT_GRADINGS_MEDIAN = 100
# Not the key of the single median cached before: a value of the old shape is never read as the new one.
TYPICAL_GRADING_CACHE_KEY = "typical_grading_seconds_by_exercise"


def submission_queue_estimate(submission: Submission) -> dict | None:
    """Where a submission that is not final stands: how many wait before it, about how long until it is
    graded, and whether the queue is longer than ``GRADING_QUEUE_BUSY_AFTER``. None once final.

    The wait comes from what is running and queued now, each grading taking its exercise's typical time
    (:func:`_typical_grading_seconds`): for a running submission, its own remaining time
    (:func:`_remaining_seconds`); for a queued one, when a slot frees for it (:func:`_start_seconds`) plus its
    own grading. At most two queries, whatever the length of the queue (clients poll this), and one more every
    30 s.
    """
    if submission.is_final:
        return None
    ahead, queued = _queue_counts(submission)
    typical = _typical_grading_seconds()
    own = typical.get(submission.exercise_id, typical[None])
    now = timezone.now()
    if submission.status == Submission.Status.RUNNING:
        elapsed = _elapsed_seconds(submission.started_at, now)
        wait = _remaining_seconds(typical=own, wall=submission.exercise.wall_seconds, elapsed=elapsed)
    else:
        wait = _start_seconds(submission, ahead=ahead, typical=typical, now=now) + own
    return {
        "ahead": ahead,
        # Not final, so never "now": at least the next second.
        "expected_wait_seconds": max(1, math.ceil(wait)),
        "busy": queued > settings.GRADING_QUEUE_BUSY_AFTER,
    }


def _queue_counts(submission: Submission) -> tuple[int, int]:
    """How many are queued before ``submission`` (0 unless it is queued itself), and how many in all."""
    counters = {"queued": Count("pk")}
    if submission.status == Submission.Status.QUEUED:
        # Its own field: the sweeper resending a lost message must not move anything in the line.
        counters["ahead"] = Count("pk", filter=Q(queued_at__lt=submission.queued_at))
    counts = Submission.objects.filter(status=Submission.Status.QUEUED).aggregate(**counters)
    return counts.get("ahead", 0), counts["queued"]


def _start_seconds(submission: Submission, *, ahead: int, typical: dict, now: datetime) -> float:
    """Seconds until a grading slot frees for queued ``submission``: ``GRADING_SLOTS`` slots free as the
    gradings running end, and each submission queued ahead, in order, takes the slot that frees first for its
    exercise's typical time. The ones ahead past the rows read count at the mean time of those read."""
    ends, durations = _running_ends_and_queued_durations(submission, typical=typical, now=now)
    slots = settings.GRADING_SLOTS
    # More running than slots (GRADING_SLOTS undercounts the workers): the earliest ends stand for the slots.
    free = heapq.nsmallest(slots, ends + [0.0] * (slots - len(ends)))
    for duration in durations:
        heapq.heapreplace(free, free[0] + duration)
    unread = max(0, ahead - len(durations))
    mean = statistics.fmean(durations) if durations else typical[None]
    return free[0] + unread * mean / slots


def _running_ends_and_queued_durations(
    submission: Submission, *, typical: dict, now: datetime
) -> tuple[list[float], list[float]]:
    """In one query of at most ``QUEUE_ROWS_READ`` rows: the seconds until each running grading ends, and the
    typical seconds of each submission queued ahead of ``submission``, in queue order."""
    running = Q(status=Submission.Status.RUNNING)
    ahead = Q(status=Submission.Status.QUEUED, queued_at__lt=submission.queued_at)
    running_first = Case(When(running, then=Value(0)), default=Value(1))
    rows = (
        Submission.objects.filter(running | ahead)
        .order_by(running_first, "queued_at")
        .values_list("status", "exercise_id", "exercise__wall_seconds", "started_at")[:QUEUE_ROWS_READ]
    )
    ends, durations = [], []
    for status, exercise_id, wall, started_at in rows:
        seconds = typical.get(exercise_id, typical[None])
        if status == Submission.Status.RUNNING:
            ends.append(_remaining_seconds(typical=seconds, wall=wall, elapsed=_elapsed_seconds(started_at, now)))
        else:
            durations.append(seconds)
    return ends, durations


def _remaining_seconds(*, typical: float, wall: float, elapsed: float) -> float:
    """How much longer a grading that has run ``elapsed`` seconds holds its slot: until the first of these ends
    still ahead of it, and 0 past them all.

    - Its exercise's typical time.
    - Twice that: half of all gradings run past their median, so one a little past it is not a slow one yet.
    - A slow one's end, the learner's code having used up the exercise's wall limit. The limit counts only the
      time spent waiting for the learner's process (``grader.sandbox.supervisor.Run.request``), so the trusted
      side's own work (starting the process, the checks), about a typical grading, comes on top.
    - ``CELERY_TASK_TIME_LIMIT``, the only hard bound: each fresh process a check starts has a wall limit of its
      own. Past it the worker has killed the task, and the slot is free.
    """
    ends = sorted((typical, 2 * typical, typical + wall, settings.CELERY_TASK_TIME_LIMIT))
    return next((end - elapsed for end in ends if end > elapsed), 0.0)


def _elapsed_seconds(started_at: datetime | None, now: datetime) -> float:
    # A claim always sets started_at; without one, count the grading as just begun.
    return max(0.0, (now - started_at).total_seconds()) if started_at else 0.0


def _typical_grading_seconds() -> dict:
    """Typical grading times in seconds, cached for 30 s: by exercise id, the median ``grading_ms`` of that
    exercise's latest gradings among the last ``RECENT_GRADINGS_READ``; under None, for exercises with none of
    those, the median of the latest of any exercise (1 s before there are any). Each median is of at most
    ``RECENT_GRADINGS_MEDIAN`` gradings."""
    cached = cache.get(TYPICAL_GRADING_CACHE_KEY)
    if cached is None:
        recent = Submission.objects.filter(grading_ms__isnull=False).order_by("-finished_at")
        rows = list(recent.values_list("exercise_id", "grading_ms")[:RECENT_GRADINGS_READ])
        by_exercise: dict[int, list[int]] = {}
        for exercise_id, grading_ms in rows:
            by_exercise.setdefault(exercise_id, []).append(grading_ms)
        cached = {key: statistics.median(times[:RECENT_GRADINGS_MEDIAN]) / 1000 for key, times in by_exercise.items()}
        latest = [grading_ms for _, grading_ms in rows[:RECENT_GRADINGS_MEDIAN]]
        cached[None] = statistics.median(latest) / 1000 if latest else 1.0
        cache.set(TYPICAL_GRADING_CACHE_KEY, cached, 30)
    return cached


def attempt_questions(attempt: Attempt) -> list[dict]:
    """The attempt's questions as the learner may see them: answers and explanations only once graded."""
    graded = attempt.status == Attempt.Status.GRADED
    rows = []
    for item in attempt.items.select_related("question__topic"):
        variant = variant_of(item.question, str(attempt.pk))
        row = {**variant.public(), "topic": item.question.topic.slug, "response": item.response}
        if graded:
            key = correct_response(variant)
            row.update(
                score=item.score,
                correct_response=key,
                explanation=variant.explanation,
                answer_texts=response_texts(variant, item.response),
                key_texts=response_texts(variant, key),
            )
        rows.append(row)
    return rows


def submission_previous(submission: Submission) -> Submission | None:
    """The same learner's submission to the same exercise just before this one (an example run counts: it is
    what the learner last ran), or None for their first."""
    earlier = Submission.objects.filter(
        user_id=submission.user_id, exercise_id=submission.exercise_id, created_at__lt=submission.created_at
    )
    return earlier.order_by("-created_at").first()


def attempt_review(attempt: Attempt) -> list[dict]:
    """Every question of ``attempt`` as staff review it, answered or not: the prompt of the variant this attempt
    showed, the learner's answer and the key in words, and the score.

    A question whose variant can no longer be rendered (its generator left the content) keeps its row, with
    ``error`` saying why, so one broken question does not hide the rest of the attempt.
    """
    rows = []
    for item in attempt.items.select_related("question__topic"):
        row = {"item": item, "question": item.question, "error": ""}
        try:
            variant = variant_of(item.question, str(attempt.pk))
        except QuestionError as exc:
            stored = [] if item.response is None else [repr(item.response)]
            row.update(prompt=item.question.prompt, answer=stored, key=[], error=str(exc))
        else:
            answer, key = response_texts(variant, item.response), response_texts(variant, correct_response(variant))
            row.update(prompt=variant.prompt, answer=answer, key=key)
        rows.append(row)
    return rows


def attempts_visible_to(user) -> QuerySet[Attempt]:
    """The quiz attempts ``user`` may see (see :func:`_visible_to`)."""
    queryset = Attempt.objects.select_related("quiz", "user__external_identity")
    rule = _visible_to(user)
    return queryset if rule is None else queryset.filter(rule)


def attempts_filtered(
    user, *, quiz: str | None = None, learner: str | None = None, status: str | None = None, updated_since=None
) -> QuerySet[Attempt]:
    """The quiz attempts ``user`` may see, narrowed by the given filters."""
    return _narrowed(attempts_visible_to(user), quiz__slug=quiz, status=status, learner=learner,
                     updated_since=updated_since)  # fmt: skip


def grades(
    user, *, exercise: str | None = None, quiz: str | None = None, learner: str | None = None, updated_since=None
) -> list[dict]:
    """Per learner and per exercise or quiz: best and latest score, tries and points, for the learners ``user``
    may see, ordered by learner, kind and item. ``exercise`` and ``quiz`` (slugs) narrow to that item (either
    one alone excludes the other kind); ``learner`` is a username or an external id; ``updated_since`` keeps the
    rows whose graded work changed since.

    A row's ``updated_at`` is the latest change to any of its graded work, a submission being regraded (queued
    again) or failing included, so a sync sees the row whose best or tries that changed. ``possible`` is the
    exercise's points, or the number of questions of the learner's latest graded attempt.
    """
    submissions = submissions_visible_to(user).filter(examples_only=False)
    attempts = attempts_visible_to(user).filter(status=Attempt.Status.GRADED)
    if exercise or quiz:
        submissions = submissions.filter(exercise__slug=exercise) if exercise else submissions.none()
        attempts = attempts.filter(quiz__slug=quiz) if quiz else attempts.none()
    if learner:
        submissions = submissions.filter(_learner_named(learner))
        attempts = attempts.filter(_learner_named(learner))
    rows: dict[tuple, dict] = {}
    changed: dict[tuple, object] = {}
    # Plain values, oldest first (so the last score seen for a key is the latest): the rows also hold code,
    # results and output, which grades never read.
    work = submissions.order_by("created_at").values_list(
        "user_id", "exercise_id", "exercise__points", "status", "score", "finished_at", "updated_at"
    )
    for user_id, exercise_id, points, status, score, finished_at, updated_at in work:
        key = (user_id, "exercise", exercise_id)
        changed[key] = max(changed.get(key, updated_at), updated_at)
        if status == Submission.Status.DONE:
            _fold(rows, key, score or 0.0, finished_at, possible=points)
    quizzes = attempts.order_by("started_at").annotate(questions=Count("items"))
    for user_id, quiz_id, score, submitted_at, updated_at, questions in quizzes.values_list(
        "user_id", "quiz_id", "score", "submitted_at", "updated_at", "questions"
    ):
        key = (user_id, "quiz", quiz_id)
        changed[key] = max(changed.get(key, updated_at), updated_at)
        _fold(rows, key, score or 0.0, submitted_at, possible=questions)
    return _named_rows(rows, changed, updated_since)


def _fold(rows: dict, key: tuple, score: float, when, *, possible: int) -> None:
    row = rows.setdefault(key, {"best": score, "tries": 0})
    row.update(best=max(row["best"], score), latest=score, possible=possible, last_at=when, tries=row["tries"] + 1)
    row["points"] = row["best"] * possible


def _named_rows(rows: dict, changed: dict, updated_since) -> list[dict]:
    """The folded rows with their learner, item slug and last change, filtered by ``updated_since`` and sorted."""
    users = get_user_model().objects.select_related("external_identity")
    people = {person.pk: learner_identity(person) for person in users.filter(pk__in={key[0] for key in rows})}
    slugs = {
        kind: dict(model.objects.filter(pk__in={key[2] for key in rows if key[1] == kind}).values_list("pk", "slug"))
        for kind, model in (("exercise", Exercise), ("quiz", Quiz))
    }
    named = [
        {"learner": people[user_id], "kind": kind, "item": slugs[kind][item_id], "best": row["best"],
         "latest": row["latest"], "points": row["points"], "possible": row["possible"], "tries": row["tries"],
         "last_at": row["last_at"], "updated_at": changed[(user_id, kind, item_id)]}
        for (user_id, kind, item_id), row in rows.items()
    ]  # fmt: skip
    if updated_since is not None:
        named = [row for row in named if row["updated_at"] >= updated_since]
    return sorted(named, key=lambda row: (row["learner"]["username"], row["kind"], row["item"]))


def _learner_named(name: str) -> Q:
    return Q(user__username=name) | Q(user__external_identity__external_id=name)


WITHHELD_MESSAGE = "Your course shows what the hidden checks found after the due date."


def results_shown_to(submission: Submission, viewer, decided: dict | None = None) -> list[dict]:
    """The per-check results ``viewer`` may read. Staff read others' work in full; for anyone else (the learner, or the
    API client acting for them) a course assignment on the exercise may withhold the hidden checks' messages
    until the due date (:func:`quizsite.courses.selectors.hidden_details_withheld`): pass or fail still shows.

    ``decided`` memoises that decision per learner and exercise across calls (a page of a list asks once per
    pair, not once per submission).
    """
    # Staff reach only work they may see; their own work as a course's learner is withheld like anyone's.
    # Nothing to withhold before there are results (a submission being answered or polled while queued).
    if not submission.results or (viewer is not None and viewer.is_staff and viewer.pk != submission.user_id):
        return submission.results
    decided = {} if decided is None else decided
    key = (submission.user_id, submission.exercise_id)
    if key not in decided:
        decided[key] = hidden_details_withheld(submission.user, submission.exercise_id, timezone.now())
    if not decided[key]:
        return submission.results
    return [
        result if result.get("public") else {**result, "message": WITHHELD_MESSAGE} for result in submission.results
    ]


def quiz_progress(user, quiz) -> dict:
    """Where ``user`` stands on ``quiz``: the attempt in progress (if any) with how many questions it has answered,
    attempts used, and whether another may start (a quiz with ``max_attempts`` caps them)."""
    own = Attempt.objects.filter(user=user, quiz=quiz)
    open_attempt = own.filter(status__in=[Attempt.Status.STARTED, Attempt.Status.ANSWERING]).first()
    responses = list(open_attempt.items.values_list("response", flat=True)) if open_attempt else []
    used = own.count()
    left = None if quiz.max_attempts is None else max(quiz.max_attempts - used, 0)
    return {
        "open_attempt": open_attempt,
        # Counted here: the answer is JSON, where "no answer" (SQL NULL) and a query for None part ways.
        "open_answered": sum(response is not None for response in responses),
        "open_total": len(responses),
        "attempts_used": used,
        "attempts_left": left,
        "can_start": open_attempt is not None or left is None or left > 0,
    }


def practice_links(attempt: Attempt) -> list[dict]:
    """The topics an attempt covered, weakest first, each with its published exercises: where to practise next."""
    scores = attempt.topic_scores or {}
    topics = Topic.objects.filter(slug__in=scores).order_by("position", "title")
    exercises: dict[int, list] = {}
    for exercise in published_exercises().filter(topic__in=topics).order_by("title"):
        exercises.setdefault(exercise.topic_id, []).append(exercise)
    rows = [{"topic": topic, "score": scores[topic.slug], "exercises": exercises.get(topic.pk, [])} for topic in topics]
    return sorted(rows, key=lambda row: row["score"])
