"""Learner pages. Grading happens through the API; these views only render."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from quizsite.catalog.models import Exercise, Topic
from quizsite.learning.models import Submission


def topic_list(request: HttpRequest) -> HttpResponse:
    topics = Topic.objects.prefetch_related("exercises").order_by("position", "title")
    return render(request, "web/topic_list.html", {"topics": topics})


@login_required
def exercise_detail(request: HttpRequest, slug: str) -> HttpResponse:
    exercise = get_object_or_404(Exercise.objects.select_related("topic"), slug=slug, is_published=True)
    submissions = Submission.objects.filter(user=request.user, exercise=exercise)[:10]
    code = submissions[0].code if submissions else exercise.starter_code
    context = {"exercise": exercise, "submissions": submissions, "code": code}
    return render(request, "web/exercise_detail.html", context)
