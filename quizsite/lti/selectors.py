"""Reads for LTI."""

from __future__ import annotations

from quizsite.courses.models import Course
from quizsite.courses.selectors import course_learners
from quizsite.learning.models import Attempt, Submission


def learners_not_started(course: Course) -> list:
    """The course's learners with no submission or quiz attempt on any of its assignments."""
    assignments = course.assignments.all()
    exercise_ids = [a.exercise_id for a in assignments if a.exercise_id]
    quiz_ids = [a.quiz_id for a in assignments if a.quiz_id]
    learners = course_learners(course)
    started = set(
        Submission.objects.filter(user__in=learners, exercise_id__in=exercise_ids).values_list("user_id", flat=True)
    )
    started |= set(Attempt.objects.filter(user__in=learners, quiz_id__in=quiz_ids).values_list("user_id", flat=True))
    return [person for person in learners if person.pk not in started]
