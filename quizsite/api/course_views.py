"""Courses through the API: the courses a caller teaches and their gradebooks (JSON; the admin offers CSV)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from quizsite.api import examples
from quizsite.api import permissions as scopes
from quizsite.api.authentication import client_of
from quizsite.api.serializers import CourseSerializer, GradebookSerializer
from quizsite.courses import selectors


def _teacher(request):
    """Whose courses the caller acts on: the person, or for an API client key, the client's owner."""
    client = client_of(request)
    return client.owner if client is not None else request.user


@extend_schema(summary="Courses taught", examples=[examples.COURSES])
class CourseListView(ListAPIView):
    """The courses the caller teaches (an API client: those its owner teaches)."""

    serializer_class = CourseSerializer
    client_scopes = {"GET": scopes.READ_GRADES}
    pagination_class = None

    def get_queryset(self):
        return selectors.courses_for_staff(_teacher(self.request)).order_by("code", "term")


class GradebookView(APIView):
    """Every learner of the course against every assignment, with marks derived under each assignment's terms."""

    client_scopes = {"GET": scopes.READ_GRADES}

    @extend_schema(responses={200: GradebookSerializer}, examples=[examples.GRADEBOOK], summary="Course gradebook")
    def get(self, request, pk) -> Response:
        course = get_object_or_404(selectors.courses_for_staff(_teacher(request)), pk=pk)
        book = selectors.gradebook(course)
        learners = [
            {
                "learner": row.learner,
                "marks": [
                    {
                        "assignment": assignment.pk,
                        "points": None if mark.score is None else mark.score * assignment.points,
                        **vars(mark),
                        "late": mark.late,
                    }
                    for mark, assignment in zip(row.marks, book.assignments, strict=True)
                ],
                "points": row.points,
                "possible": row.possible,
                "percent": row.percent,
            }
            for row in book.rows
        ]
        data = {"course": course, "assignments": book.assignments, "learners": learners}
        return Response(GradebookSerializer(data).data)
