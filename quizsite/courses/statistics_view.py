"""The course statistics page of the admin: the numbers from ``statistics``, drawn by ``charts``.

Kept beside the admin rather than in it so that ``CourseAdmin`` only routes to it; the permission rule is
still the admin's own (``CourseAdmin._staff_course``: staff of this course, else 403).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.template.response import TemplateResponse
from django.utils.safestring import SafeString, mark_safe

from quizsite.courses import charts, statistics


def statistics_page(model_admin) -> Callable[..., TemplateResponse]:
    """The page's view bound to ``model_admin`` (the ``CourseAdmin``), for its ``get_urls``."""
    return partial(course_statistics_view, model_admin)


def course_statistics_view(model_admin, request, course_id) -> TemplateResponse:
    """Per question, per exercise and per day, for the staff of one course."""
    course = model_admin._staff_course(request, course_id)
    stats = statistics.course_statistics(course)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Statistics: {course}",
        "course": course,
        "stats": stats,
        "activity_chart": _activity_chart(stats.activity),
        "quizzes": [(quiz, _difficulty_chart(quiz)) for quiz in stats.quizzes],
        "exercises": [(exercise, *_exercise_charts(exercise)) for exercise in stats.exercises],
        "min_responses": statistics.MIN_RESPONSES,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/courses/statistics.html", context)


def _safe(svg: str) -> SafeString:
    # ElementTree escaped every text and attribute of the chart when it serialised it.
    return mark_safe(svg)  # noqa: S308


def _activity_chart(activity: statistics.Activity) -> SafeString:
    span = f"{activity.days[0]:%Y-%m-%d} to {activity.days[-1]:%Y-%m-%d}" if activity.days else "no days"
    desc = (
        f"Daily counts from {span}: {sum(activity.submissions)} submissions "
        f"and {sum(activity.quiz_attempts)} quiz attempts in all."
    )
    series = [("Submissions", activity.submissions), ("Quiz attempts", activity.quiz_attempts)]
    return _safe(charts.time_chart(activity.days, series, title="Activity per day", desc=desc))


def _difficulty_chart(quiz: statistics.QuizStats) -> SafeString:
    bars = [(item.question.key, item.summary.difficulty) for item in quiz.questions]
    desc = f"Share of responses with full marks for each of {len(bars)} questions, on a scale from 0 to 1."
    if bars:
        hardest = min(bars, key=lambda bar: bar[1])
        desc += f" Hardest: {hardest[0]} at {hardest[1]:.0%}."
    title = f"Difficulty of the questions in {quiz.assignment.display_title}"
    return _safe(charts.bar_chart(bars, title=title, desc=desc, maximum=1.0, value_text=lambda p: f"{p:.0%}"))


def _exercise_charts(exercise: statistics.ExerciseStats) -> tuple[SafeString, SafeString]:
    name = exercise.assignment.display_title
    checks = exercise.failed_checks
    checks_desc = f"Failures per check over {exercise.submissions} graded submissions; {len(checks)} checks failed."
    if checks:
        checks_desc += f" Most failed: {checks[0][0]}, {checks[0][1]} times."
    failed = charts.bar_chart(checks, title=f"Most failed checks in {name}", desc=checks_desc)
    median = exercise.median_attempts_until_accepted
    attempts_desc = f"Learners by graded submissions until their first accepted one; {exercise.learners_accepted} "
    attempts_desc += f"learners, median {median:g}." if median is not None else "learners."
    attempts = charts.histogram(
        exercise.attempts_distribution,
        title=f"Attempts until accepted in {name}",
        desc=attempts_desc,
        x_label="Graded submissions until accepted",
        y_label="Learners",
    )
    return _safe(failed), _safe(attempts)
