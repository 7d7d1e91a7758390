"""Course statistics for staff: how each quiz question and each exercise behaved, and when learners worked.

Only work by the course's learners on the course's assignments counts, whenever it was done: every graded
attempt of an assigned quiz (not only a learner's first), and the graded submissions the gradebook counts
(example runs, unfinished submissions and system errors left out). Reads only: a few queries per
assignment, and the arithmetic below, in Python, on what they return.

Item analysis follows classical test theory: an item's difficulty is the share of its responses with full
marks, and its discrimination the point-biserial correlation of that correctness with the rest-score (the
attempt's mean over its other items, so the item does not correlate with itself).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from grader.vocabulary import Verdict
from quizsite.catalog.models import Question
from quizsite.courses.models import Assignment, Course
from quizsite.courses.selectors import course_learners, graded_submissions
from quizsite.learning.models import Attempt, AttemptItem, Submission

# Below this many responses a correlation says more about chance than about the question.
MIN_RESPONSES = 5
# Item scores are floats from partial-credit arithmetic: "full marks" allows for rounding.
FULL_MARKS = 1 - 1e-9
CHOICE_KINDS = (Question.Kind.SINGLE, Question.Kind.MULTIPLE, Question.Kind.TRUE_FALSE)
# The attempts-until-accepted histogram puts everyone past this in one last bin.
ATTEMPT_BINS = 10
TOP_FAILED_CHECKS = 10


@dataclass(frozen=True)
class ItemSummary:
    responses: int
    difficulty: float  # share of responses with full marks
    mean_score: float  # partial credit included
    discrimination: float | None


@dataclass(frozen=True)
class OptionRate:
    label: str
    chosen: int
    rate: float  # share of all responses to the question, unanswered ones included
    correct: bool | None  # None where the key differs between variants


@dataclass(frozen=True)
class OptionTable:
    options: list[OptionRate]
    unanswered: int
    # Parameterised questions draw their options per variant: rates are per position, without a key.
    by_position: bool


@dataclass(frozen=True)
class QuestionStats:
    question: Question
    summary: ItemSummary
    options: OptionTable | None  # None for kinds without options to choose (numeric, ordering, matching)


@dataclass(frozen=True)
class QuizStats:
    assignment: Assignment
    attempts: int
    learners: int
    mean_score: float | None
    questions: list[QuestionStats]


@dataclass(frozen=True)
class Percentiles:
    count: int
    p50: float
    p90: float
    p99: float


@dataclass(frozen=True)
class ExerciseStats:
    assignment: Assignment
    enrolled: int  # the course's learners
    learners_tried: int
    learners_accepted: int
    submissions: int  # graded
    accepted: int
    failed_checks: list[tuple[str, int]]
    attempts_until_accepted: list[int]  # one per learner who got accepted
    grading_ms: Percentiles | None

    @property
    def learner_pass_rate(self) -> float | None:
        """Share of the course's learners with an accepted submission."""
        return self.learners_accepted / self.enrolled if self.enrolled else None

    @property
    def submission_pass_rate(self) -> float | None:
        """Share of graded submissions that were accepted."""
        return self.accepted / self.submissions if self.submissions else None

    @property
    def median_attempts_until_accepted(self) -> float | None:
        return float(np.median(self.attempts_until_accepted)) if self.attempts_until_accepted else None

    @property
    def attempts_distribution(self) -> list[tuple[str, int]]:
        return attempts_distribution(self.attempts_until_accepted)


@dataclass(frozen=True)
class Activity:
    days: list[date]
    submissions: list[int]
    quiz_attempts: list[int]


@dataclass(frozen=True)
class CourseStatistics:
    course: Course
    learners: int
    activity: Activity
    quizzes: list[QuizStats] = field(default_factory=list)
    exercises: list[ExerciseStats] = field(default_factory=list)


# --- Selectors -----------------------------------------------------------------------------------------------


def course_statistics(course: Course, *, today: date | None = None) -> CourseStatistics:
    """Every assignment of ``course`` analysed over the work of its learners, and their activity by day."""
    assignments = list(course.assignments.select_related("exercise", "quiz"))
    learners = course_learners(course).values("pk")
    learner_count = learners.count()
    return CourseStatistics(
        course=course,
        learners=learner_count,
        activity=course_activity(course, assignments, learners, today=today or timezone.localdate()),
        quizzes=[quiz_statistics(a, learners) for a in assignments if a.quiz_id],
        exercises=[exercise_statistics(a, learners, enrolled=learner_count) for a in assignments if a.exercise_id],
    )


def quiz_statistics(assignment: Assignment, learners: QuerySet) -> QuizStats:
    """Difficulty, discrimination and option choices of every question ``learners`` met in the assigned quiz."""
    rows = AttemptItem.objects.filter(
        attempt__quiz_id=assignment.quiz_id, attempt__user__in=learners, attempt__status=Attempt.Status.GRADED
    ).values_list("attempt_id", "attempt__user_id", "attempt__score", "question_id", "score", "response")
    attempts: dict[Any, list[tuple[int, float]]] = defaultdict(list)
    responses: dict[int, list[Any]] = defaultdict(list)
    people, attempt_scores = set(), {}
    for attempt_id, user_id, attempt_score, question_id, score, response in rows:
        # A graded attempt scored every item; an unanswered one scored 0.
        attempts[attempt_id].append((question_id, score or 0.0))
        responses[question_id].append(response)
        people.add(user_id)
        attempt_scores[attempt_id] = attempt_score or 0.0
    summaries = item_analysis(attempts.values())
    questions = Question.objects.in_bulk(summaries)
    order = {key: index for index, key in enumerate(assignment.quiz.question_keys)}
    ranked = sorted(questions.values(), key=lambda q: (order.get(q.key, len(order)), q.key))
    return QuizStats(
        assignment=assignment,
        attempts=len(attempts),
        learners=len(people),
        mean_score=_mean(attempt_scores.values()),
        questions=[QuestionStats(q, summaries[q.pk], option_rates(q, responses[q.pk])) for q in ranked],
    )


def exercise_statistics(assignment: Assignment, learners: QuerySet, *, enrolled: int) -> ExerciseStats:
    """Pass rates, failing checks, attempts until accepted and grading times of ``learners`` on the exercise."""
    rows = list(
        graded_submissions(learners, [assignment.exercise_id])
        .order_by("created_at", "pk")
        .values_list("user_id", "verdict", "results", "grading_ms")
    )
    verdicts: dict[Any, list[str]] = defaultdict(list)
    for user_id, verdict, _, _ in rows:
        verdicts[user_id].append(verdict)
    until = [n for n in (attempts_until_accepted(v) for v in verdicts.values()) if n is not None]
    return ExerciseStats(
        assignment=assignment,
        enrolled=enrolled,
        learners_tried=len(verdicts),
        learners_accepted=len(until),
        submissions=len(rows),
        accepted=sum(verdict == Verdict.ACCEPTED for _, verdict, _, _ in rows),
        failed_checks=failed_checks(results for _, _, results, _ in rows)[:TOP_FAILED_CHECKS],
        attempts_until_accepted=until,
        grading_ms=percentiles([ms for *_, ms in rows if ms is not None]),
    )


def course_activity(course: Course, assignments: list[Assignment], learners: QuerySet, *, today: date) -> Activity:
    """Submissions (example runs aside) and handed-in quiz attempts per day over the course's span."""
    exercise_ids = [a.exercise_id for a in assignments if a.exercise_id]
    quiz_ids = [a.quiz_id for a in assignments if a.quiz_id]
    submitted = Submission.objects.filter(user__in=learners, exercise_id__in=exercise_ids, examples_only=False)
    attempted = Attempt.objects.filter(
        user__in=learners, quiz_id__in=quiz_ids, status=Attempt.Status.GRADED, submitted_at__isnull=False
    )
    per_day = {"submissions": _per_day(submitted, "created_at"), "attempts": _per_day(attempted, "submitted_at")}
    active = [day for counts in per_day.values() for day in counts]
    start, end = course_span(
        created=timezone.localdate(course.created_at),
        opens=[timezone.localdate(a.opens_at) for a in assignments if a.opens_at],
        closes=[timezone.localdate(a.cutoff_at or a.due_at) for a in assignments if a.cutoff_at or a.due_at],
        active=active,
        today=today,
    )
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return Activity(
        days=days,
        submissions=[per_day["submissions"].get(day, 0) for day in days],
        quiz_attempts=[per_day["attempts"].get(day, 0) for day in days],
    )


def _per_day(queryset: QuerySet, field_name: str) -> dict[date, int]:
    # TruncDate uses the current time zone, as timezone.localdate does for the span.
    rows = queryset.order_by().annotate(day=TruncDate(field_name)).values("day").annotate(count=Count("pk"))
    return {row["day"]: row["count"] for row in rows}


# --- Arithmetic on plain values ------------------------------------------------------------------------------


def item_analysis(attempts: Iterable[Sequence[tuple[Any, float]]]) -> dict[Any, ItemSummary]:
    """Per question, from attempts given as ``[(question, item score 0..1), ...]``.

    The rest-score of an item is its attempt's mean over the other items; an attempt of one item has none,
    and its response counts towards difficulty only.
    """
    scores: dict[Any, list[float]] = defaultdict(list)
    pairs: dict[Any, list[tuple[int, float]]] = defaultdict(list)
    for items in attempts:
        total = sum(score for _, score in items)
        for question, score in items:
            scores[question].append(score)
            if len(items) > 1:
                pairs[question].append((int(score >= FULL_MARKS), (total - score) / (len(items) - 1)))
    return {question: _summary(values, pairs[question]) for question, values in scores.items()}


def _summary(scores: list[float], pairs: list[tuple[int, float]]) -> ItemSummary:
    return ItemSummary(
        responses=len(scores),
        difficulty=sum(score >= FULL_MARKS for score in scores) / len(scores),
        mean_score=sum(scores) / len(scores),
        discrimination=point_biserial([c for c, _ in pairs], [r for _, r in pairs]),
    )


def point_biserial(correct: Sequence[int], rest: Sequence[float]) -> float | None:
    """The Pearson correlation of 0/1 correctness with the rest-score (which, for a 0/1 variable, is the
    point-biserial coefficient); None below ``MIN_RESPONSES`` pairs or when either side never varies."""
    if len(correct) < MIN_RESPONSES:
        return None
    x, y = np.asarray(correct, dtype=float), np.asarray(rest, dtype=float)
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def option_rates(question: Question, responses: Sequence[Any]) -> OptionTable | None:
    """How often each option was chosen, for single, multiple and true/false questions (else None).

    True/false counts "True" as option 0 and "False" as option 1. A parameterised question may show other
    options, and another key, in each variant: its rates are per position and mark no option correct.
    """
    if question.kind not in CHOICE_KINDS:
        return None
    picks = [_picked(question.kind, response) for response in responses]
    chosen = Counter(index for picked in picks for index in picked)
    by_position = bool(question.generator)
    labels = _option_labels(question, by_position, max(chosen, default=-1) + 1)
    total = len(responses)
    return OptionTable(
        options=[
            OptionRate(label, chosen[i], chosen[i] / total if total else 0.0, _is_key(question, i, by_position))
            for i, label in enumerate(labels)
        ],
        unanswered=sum(response is None for response in responses),
        by_position=by_position,
    )


def _picked(kind: str, response: Any) -> set[int]:
    if kind == Question.Kind.TRUE_FALSE:
        return {0} if response is True else {1} if response is False else set()
    if kind == Question.Kind.SINGLE:
        return {response} if type(response) is int and response >= 0 else set()
    return {i for i in response if type(i) is int and i >= 0} if isinstance(response, list) else set()


def _option_labels(question: Question, by_position: bool, seen: int) -> list[str]:
    if question.kind == Question.Kind.TRUE_FALSE:
        return ["True", "False"]
    if by_position:
        return [f"Option {i + 1}" for i in range(max(len(question.options), seen))]
    return [*question.options, *(f"Option {i + 1}" for i in range(len(question.options), seen))]


def _is_key(question: Question, index: int, by_position: bool) -> bool | None:
    if by_position:
        return None
    if question.kind == Question.Kind.TRUE_FALSE:
        return (index == 0) == question.answer
    if question.kind == Question.Kind.SINGLE:
        return index == question.answer
    return index in (question.answer or [])


def attempts_until_accepted(verdicts: Sequence[str]) -> int | None:
    """Graded submissions up to and including the first accepted one (in order), or None if none was."""
    for number, verdict in enumerate(verdicts, start=1):
        if verdict == Verdict.ACCEPTED:
            return number
    return None


def attempts_distribution(counts: Sequence[int], *, last: int = ATTEMPT_BINS) -> list[tuple[str, int]]:
    """Learners per number of attempts until accepted: bins 1, 2, ... up to the largest seen, ``last`` and
    beyond together as "last+"."""
    if not counts:
        return []
    tally = Counter(min(count, last) for count in counts)
    return [(f"{n}+" if n == last else str(n), tally[n]) for n in range(1, max(tally) + 1)]


def failed_checks(results: Iterable[list]) -> list[tuple[str, int]]:
    """Failures per check name over submissions' per-check results, most failed first (then by name)."""
    failures = Counter(
        str(check.get("name", "?"))
        for checks in results
        if isinstance(checks, list)
        for check in checks
        if isinstance(check, dict) and check.get("passed") is False
    )
    return sorted(failures.items(), key=lambda item: (-item[1], item[0]))


def percentiles(values: Sequence[float]) -> Percentiles | None:
    """The 50th, 90th and 99th percentiles (linear interpolation between closest ranks), None if empty."""
    if not values:
        return None
    p50, p90, p99 = np.percentile(np.asarray(values, dtype=float), [50, 90, 99])
    return Percentiles(count=len(values), p50=float(p50), p90=float(p90), p99=float(p99))


def course_span(
    *, created: date, opens: list[date], closes: list[date], active: list[date], today: date
) -> tuple[date, date]:
    """First and last day to chart: from the first opening (or the course's creation) to the last deadline,
    or today while that is still ahead; stretched to take in any day with work."""
    start = min([min(opens) if opens else created, *active])
    planned_end = min(max(closes), today) if closes else today
    return start, max([planned_end, start, *active])


def _mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None
