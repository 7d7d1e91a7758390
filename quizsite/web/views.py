"""Learner pages. Grading happens through the API; these views only render."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from grader.vocabulary import Verdict
from quizsite.catalog.models import Exercise, Topic
from quizsite.catalog.selectors import published_exercise, published_exercises, published_quizzes
from quizsite.learning import attempts, figures, progress
from quizsite.learning.exercise_help import exercise_help_context
from quizsite.learning.models import Attempt, Submission
from quizsite.learning.selectors import attempt_questions, practice_links, quiz_progress
from quizsite.ops.selectors import grading_unavailable_reason

HISTORY_LENGTH = 15
_HISTORY_FIELDS = (
    "id", "user_id", "exercise_id", "code", "created_at", "examples_only", "status", "verdict", "score",
    "regraded_at", "regraded_reason",
)  # fmt: skip


def topic_list(request: HttpRequest) -> HttpResponse:
    topics = (
        Topic.objects.prefetch_related(Prefetch("exercises", queryset=published_exercises(), to_attr="published"))
        .select_related("lesson")
        .order_by("position", "title")
    )
    # Quizzes across topics (the warm-up, adaptive practice); per-topic quizzes sit with their topic.
    quizzes = published_quizzes().annotate(topic_count=Count("topics")).exclude(topic_count=1)
    return render(request, "web/topic_list.html", {"topics": topics, "featured_quizzes": quizzes})


@login_required
def exercise_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The statement beside the editor; ``?submission=<id>`` opens one of the learner's submissions."""
    exercise = published_exercise(slug, without=Exercise.GRADING_ONLY_FIELDS)
    if exercise is None:
        raise Http404("No such exercise.")
    history = _history(request.user, exercise)
    opened = None
    if request.GET.get("submission"):
        own = Submission.objects.filter(user=request.user, exercise=exercise)
        opened = own.filter(pk=_uuid_or_none(request.GET["submission"])).first()
    latest = opened or (history[0] if history else None)
    context = {
        "exercise": exercise,
        "submissions": history,
        "opened": opened,
        "code": latest.code if latest else exercise.starter_code,
        "help": exercise_help_context(request.user, exercise),
        "verdict_labels": {verdict.value: verdict.label for verdict in Verdict},
        "grading_unavailable": grading_unavailable_reason(),
    }
    return render(request, "web/exercise_detail.html", context)


@login_required
def exercise_history(request: HttpRequest, slug: str) -> HttpResponse:
    """The learner's recent submissions to an exercise, as the exercise page lists them (refreshed after a run)."""
    exercise = get_object_or_404(published_exercises(), slug=slug)
    context = {"exercise": exercise, "submissions": _history(request.user, exercise)}
    return render(request, "web/_submission_history.html", context)


@login_required
def exercise_help(request: HttpRequest, slug: str) -> HttpResponse:
    """The exercise's unlocked hints and reference solution, as the page shows them (refreshed after a run)."""
    exercise = get_object_or_404(published_exercises(), slug=slug)
    return render(request, "web/_exercise_help.html", exercise_help_context(request.user, exercise))


def _history(user, exercise) -> list[Submission]:
    """The learner's latest submissions to ``exercise``, with what the history shows of each (and the code, for the
    editor): not their output or check results (a graded result is about 4 KB of JSON), except the results of
    example runs, whose passed checks it counts."""
    rows = Submission.objects.filter(user=user, exercise=exercise).only(*_HISTORY_FIELDS)
    history = list(rows[:HISTORY_LENGTH])
    example_runs = [item.pk for item in history if item.examples_only and item.is_final]
    if example_runs:
        results = dict(Submission.objects.filter(pk__in=example_runs).values_list("pk", "results"))
        for item in history:
            if item.pk in results:
                item.results = results[item.pk]
    # A regraded submission shows the result it replaced; most pages have none, and then no second query.
    prefetch_related_objects([item for item in history if item.regraded_at], "grading_records")
    return history


def _uuid_or_none(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic.objects.select_related("lesson"), slug=slug)
    context = {
        "topic": topic,
        "lesson": getattr(topic, "lesson", None),
        "exercises": published_exercises().filter(topic=topic),
        "quizzes": published_quizzes().filter(topics=topic),
    }
    return render(request, "web/topic_detail.html", context)


@login_required
def quiz_start(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: what the quiz is and whether an attempt is in progress (where login sends a learner back);
    POST: start an attempt, or resume the one in progress."""
    quiz = get_object_or_404(published_quizzes(), slug=slug)
    if request.method == "POST":
        try:
            attempt = attempts.attempt_start(user=request.user, quiz=quiz)
        except attempts.AttemptError as exc:
            if exc.attempt is not None:
                return redirect("attempt-detail", pk=exc.attempt.pk)  # resume the attempt in progress
            messages.error(request, str(exc))
            return redirect("quiz-start", slug=quiz.slug)
        return redirect("attempt-detail", pk=attempt.pk)
    return render(request, "web/quiz_start.html", {"quiz": quiz, **quiz_progress(request.user, quiz)})


@login_required
def attempt_detail(request: HttpRequest, pk) -> HttpResponse:
    attempt = get_object_or_404(Attempt.objects.select_related("quiz").filter(user=request.user), pk=pk)
    if attempt.is_open and attempt.deadline is not None and attempt.deadline <= timezone.now():
        attempt = attempts.attempt_submit(attempt=attempt)  # time is up: what was saved is graded
    topics = dict(Topic.objects.values_list("slug", "title"))
    topic_scores = [(topics.get(slug, slug), score) for slug, score in sorted(attempt.topic_scores.items())]
    questions = attempt_questions(attempt)
    context = {
        "attempt": attempt,
        "questions": questions,
        "answered": sum(question["response"] is not None for question in questions),
        "topic_scores": topic_scores,
        "topic_titles": topics,
    }
    if not attempt.is_open:
        context.update(quiz_progress(request.user, attempt.quiz))
        context["points"] = sum(question["score"] or 0 for question in questions)
        context["practice"] = practice_links(attempt)
    return render(request, "web/attempt_detail.html", context)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    context = {
        "mastery": progress.topic_mastery(request.user),
        "practise_next": progress.weakest_topics(request.user),
        "attempts": Attempt.objects.filter(user=request.user).select_related("quiz")[:20],
        "submissions": Submission.objects.filter(user=request.user).select_related("exercise")[:20],
    }
    return render(request, "web/dashboard.html", context)


@require_GET
def submission_figure(request: HttpRequest, pk, index: int) -> HttpResponse:
    """The SVG figure of one check of a submission, for whoever may read that check's details (else 404)."""
    drawn = figures.submission_figure_svg(viewer=request.user, submission_id=pk, index=index)
    if drawn is None:
        raise Http404("No such figure.")
    svg, etag = drawn
    response = HttpResponse(status=304) if request.headers.get("If-None-Match") == etag else HttpResponse(svg)
    response["Content-Type"] = "image/svg+xml"
    response["ETag"] = etag
    # Results change on a regrade: the browser keeps the picture but asks again each time (a 304 is cheap).
    response["Cache-Control"] = "private, no-cache"
    # Opened on its own, the SVG is a document: it may run nothing and load nothing.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response["X-Content-Type-Options"] = "nosniff"
    return response
