"""Reads for courses: who may see which course, each learner's terms, and the gradebook."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from grader.vocabulary import Verdict
from quizsite.accounts.selectors import learner_identity
from quizsite.courses import policy
from quizsite.courses.models import Assignment, Course, Enrolment, Extension, ScoreOverride
from quizsite.learning.models import Attempt, Submission

Role = Enrolment.Role


def courses_for_staff(user, roles: tuple[str, ...] = Enrolment.STAFF_ROLES) -> QuerySet[Course]:
    """The courses ``user`` teaches in one of ``roles`` (instructor or teaching assistant by default); every
    course for a superuser."""
    if user.is_superuser:
        return Course.objects.all()
    return Course.objects.filter(enrolments__user=user, enrolments__role__in=roles).distinct()


def course_role(user, course: Course) -> str | None:
    """``user``'s role in ``course`` (a superuser counts as an instructor everywhere), or None."""
    if user.is_superuser:
        return Role.INSTRUCTOR
    return Enrolment.objects.filter(course=course, user=user).values_list("role", flat=True).first()


def courses_instructed_by(user) -> QuerySet[Course]:
    """The courses ``user`` is an instructor of (every course for a superuser): those whose people they manage."""
    return courses_for_staff(user, roles=(Role.INSTRUCTOR,))


def accounts_named(*, username: str = "", email: str = "") -> list:
    """The accounts a roster row can mean: the one called ``username`` if it is given, else those whose email is
    ``email`` (ignoring case). Emails are not unique, so that may be two (no more are fetched)."""
    users = get_user_model().objects.order_by("pk")
    if username:
        return list(users.filter(username=username))
    return list(users.filter(email__iexact=email)[:2])


def teaches_any_course(user) -> bool:
    return user.is_active and (user.is_superuser or courses_for_staff(user).exists())


def learners_taught_by(user) -> QuerySet:
    """The learners of every course ``user`` teaches (everyone for a superuser)."""
    users = get_user_model().objects.all()
    if user.is_superuser:
        return users
    return users.filter(enrolments__role=Role.LEARNER, enrolments__course__in=courses_for_staff(user)).distinct()


def course_learners(course: Course) -> QuerySet:
    return (
        get_user_model()
        .objects.filter(enrolments__course=course, enrolments__role=Role.LEARNER)
        .select_related("external_identity")
        .order_by("username")
    )


def terms_for(assignment: Assignment, extension: Extension | None = None) -> policy.Terms:
    """The assignment's rules, with ``extension`` (if any) moving the due date and the cut-off."""
    due_at, cutoff_at = assignment.due_at, assignment.cutoff_at
    if extension is not None:
        due_at = extension.due_at
        # An extension without its own cut-off still never closes earlier than the course's cut-off.
        cutoff_at = extension.cutoff_at or (max(cutoff_at, due_at) if cutoff_at else None)
    return policy.Terms(
        opens_at=assignment.opens_at,
        due_at=due_at,
        cutoff_at=cutoff_at,
        late_penalty_percent_per_day=assignment.late_penalty_percent_per_day,
        max_attempts=assignment.max_attempts,
        policy=assignment.policy,
        extended=extension is not None,
    )


@dataclass
class GradebookRow:
    learner: object
    marks: list[policy.Mark]
    points: float = 0.0  # earned, weighted by each assignment's points
    possible: int = 0

    @property
    def external_id(self) -> str | None:
        return learner_identity(self.learner)["external_id"]

    @property
    def percent(self) -> float:
        return 100 * self.points / self.possible if self.possible else 0.0


@dataclass
class Gradebook:
    course: Course
    assignments: list[Assignment]
    rows: list[GradebookRow] = field(default_factory=list)


def gradebook(course: Course, *, learners: QuerySet | None = None) -> Gradebook:
    """Every learner of ``course`` (or the given subset) against every assignment, marks derived from their
    graded work. Four queries whatever the size of the course."""
    assignments = list(course.assignments.select_related("exercise", "quiz"))
    people = list(learners if learners is not None else course_learners(course))
    tries = _tries(assignments, people)
    extensions = {(e.assignment_id, e.learner_id): e for e in Extension.objects.filter(assignment__course=course)}
    overrides = _current_overrides(course)
    book = Gradebook(course, assignments)
    possible = sum(assignment.points for assignment in assignments)
    for learner in people:
        row = GradebookRow(learner, [], possible=possible)
        for assignment in assignments:
            key = (assignment.pk, learner.pk)
            terms = terms_for(assignment, extensions.get(key))
            result = policy.mark(tries.get(_item_key(assignment, learner.pk), []), terms, overrides.get(key))
            row.marks.append(result)
            row.points += assignment.points * (result.score or 0.0)
        book.rows.append(row)
    return book


def learner_mark(assignment: Assignment, learner) -> policy.Mark:
    """One learner's mark for one assignment."""
    tries = _tries([assignment], [learner]).get(_item_key(assignment, learner.pk), [])
    extension = Extension.objects.filter(assignment=assignment, learner=learner).first()
    override = (
        ScoreOverride.objects.filter(assignment=assignment, learner=learner).order_by("-created_at", "-pk").first()
    )
    return policy.mark(tries, terms_for(assignment, extension), override.score if override else None)


def _item_key(assignment: Assignment, learner_id) -> tuple:
    return (assignment.kind, assignment.exercise_id or assignment.quiz_id, learner_id)


def _tries(assignments: list[Assignment], learners: list) -> dict[tuple, list[policy.Try]]:
    """Graded work per (kind, item, learner): :func:`graded_submissions` and graded quiz attempts."""
    exercise_ids = {a.exercise_id for a in assignments if a.exercise_id}
    quiz_ids = {a.quiz_id for a in assignments if a.quiz_id}
    found: dict[tuple, list[policy.Try]] = defaultdict(list)
    submissions = graded_submissions(learners, exercise_ids)
    for user_id, exercise_id, created_at, score in submissions.values_list("user", "exercise", "created_at", "score"):
        found[("exercise", exercise_id, user_id)].append(policy.Try(created_at, score or 0.0))
    attempts = Attempt.objects.filter(user__in=learners, quiz_id__in=quiz_ids, status=Attempt.Status.GRADED)
    for user_id, quiz_id, submitted_at, score in attempts.values_list("user", "quiz", "submitted_at", "score"):
        found[("quiz", quiz_id, user_id)].append(policy.Try(submitted_at, score or 0.0))
    return found


def graded_submissions(learners, exercise_ids) -> QuerySet[Submission]:
    """The submissions that are graded work: finished, not an example run, not a grader failure (a system
    error is not the learner's attempt). The gradebook and the statistics count the same rows."""
    return Submission.objects.filter(
        user__in=learners, exercise_id__in=exercise_ids, examples_only=False, status=Submission.Status.DONE
    ).exclude(verdict=Verdict.SYSTEM_ERROR)


def _current_overrides(course: Course) -> dict[tuple, float]:
    """The newest override per (assignment, learner), dropped where the newest one withdraws it."""
    newest: dict[tuple, float | None] = {}
    rows = ScoreOverride.objects.filter(assignment__course=course).order_by("created_at", "pk")
    for assignment_id, learner_id, score in rows.values_list("assignment", "learner", "score"):
        newest[(assignment_id, learner_id)] = score
    return {key: score for key, score in newest.items() if score is not None}


def assignments_of(user) -> QuerySet[Assignment]:
    """The assignments of every course ``user`` learns in."""
    return Assignment.objects.filter(
        Q(course__enrolments__user=user, course__enrolments__role=Role.LEARNER)
    ).select_related("course", "exercise", "quiz")


def learner_assignments(user, exercise_id) -> QuerySet[Assignment]:
    """The assignments of an exercise in the courses where ``user`` is a learner."""
    # A semi-join, so no DISTINCT: every exercise page asks, and planning the join with courses and enrolments
    # cost PostgreSQL more than answering it.
    courses = Enrolment.objects.filter(user=user, role=Role.LEARNER).values("course_id")
    return Assignment.objects.filter(exercise_id=exercise_id, course_id__in=courses)


def hidden_details_withheld(user, exercise_id, now: datetime) -> bool:
    """Whether a course keeps what the hidden checks found from ``user`` on this exercise at ``now``.

    A learner's assignment on the exercise withholds it until the (possibly extended) due date, and after it
    too unless the assignment shows hidden details after the due date. Self-study (no assignment) and
    assignments without a due date withhold nothing.
    """
    assignments = list(learner_assignments(user, exercise_id).exclude(due_at=None))
    if not assignments:
        return False  # self-study, the usual case: no second query
    extensions = dict(
        Extension.objects.filter(assignment__in=assignments, learner=user).values_list("assignment", "due_at")
    )
    for assignment in assignments:
        due_at = extensions.get(assignment.pk, assignment.due_at)
        if now < due_at or not assignment.hidden_details_after_due:
            return True
    return False
