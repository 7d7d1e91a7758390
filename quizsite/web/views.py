"""Learner pages. Grading happens through the API; these views only render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from grader.vocabulary import Verdict
from quizsite.catalog.models import Topic
from quizsite.catalog.selectors import published_exercises, published_quizzes
from quizsite.learning import attempts, progress
from quizsite.learning.models import Attempt, Submission
from quizsite.learning.selectors import attempt_questions
from quizsite.ops.selectors import grading_unavailable_reason


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
    exercise = get_object_or_404(published_exercises(), slug=slug)
    own = Submission.objects.filter(user=request.user, exercise=exercise)
    # A regraded submission shows the result it replaced.
    submissions = own.prefetch_related("grading_records")[:10]
    code = submissions[0].code if submissions else exercise.starter_code
    labels = {verdict.value: verdict.label for verdict in Verdict}
    context = {
        "exercise": exercise,
        "submissions": submissions,
        "code": code,
        "verdict_labels": labels,
        "grading_unavailable": grading_unavailable_reason(),
    }
    return render(request, "web/exercise_detail.html", context)


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
@require_POST
def quiz_start(request: HttpRequest, slug: str) -> HttpResponse:
    quiz = get_object_or_404(published_quizzes(), slug=slug)
    try:
        attempt = attempts.attempt_start(user=request.user, quiz=quiz)
    except attempts.AttemptError as exc:
        if exc.attempt is not None:
            return redirect("attempt-detail", pk=exc.attempt.pk)  # resume the attempt in progress
        messages.error(request, str(exc))
        return redirect("topic-list")
    return redirect("attempt-detail", pk=attempt.pk)


@login_required
def attempt_detail(request: HttpRequest, pk) -> HttpResponse:
    attempt = get_object_or_404(Attempt.objects.select_related("quiz").filter(user=request.user), pk=pk)
    topics = dict(Topic.objects.values_list("slug", "title"))
    topic_scores = [(topics.get(slug, slug), score) for slug, score in sorted(attempt.topic_scores.items())]
    context = {
        "attempt": attempt,
        "questions": attempt_questions(attempt),
        "topic_scores": topic_scores,
        "topic_titles": topics,
    }
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
