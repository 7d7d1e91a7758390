"""API v1 views: parse input, call a service or selector, render output."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from quizsite.api.errors import PayloadTooLarge
from quizsite.api.serializers import (
    ExerciseDetailSerializer,
    ExerciseListSerializer,
    SubmissionCreateSerializer,
    SubmissionSerializer,
)
from quizsite.catalog.models import Exercise
from quizsite.learning import selectors, services


def _published_exercises():
    return Exercise.objects.filter(is_published=True).select_related("topic")


class ExerciseListView(generics.ListAPIView):
    """All published exercises."""

    serializer_class = ExerciseListSerializer

    def get_queryset(self):
        return _published_exercises()


class ExerciseDetailView(generics.RetrieveAPIView):
    """One exercise: statement, starter code and limits (never the checks or solutions)."""

    serializer_class = ExerciseDetailSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return _published_exercises()


class SubmissionCreateView(APIView):
    @extend_schema(
        request=SubmissionCreateSerializer,
        responses={
            202: SubmissionSerializer,
            400: OpenApiResponse(description="Missing or invalid `code`"),
            404: OpenApiResponse(description="Unknown exercise"),
            413: OpenApiResponse(description="Code over the size limit"),
        },
        summary="Submit code for grading",
    )
    def post(self, request, slug: str) -> Response:
        exercise = get_object_or_404(_published_exercises(), slug=slug)
        serializer = SubmissionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            submission = services.submission_create(user=request.user, exercise=exercise, **serializer.validated_data)
        except services.SubmissionRejected as exc:
            if exc.code == "too_large":
                raise PayloadTooLarge(str(exc)) from exc
            raise ValidationError({exc.field: [str(exc)]}) from exc
        location = request.build_absolute_uri(f"/api/v1/submissions/{submission.pk}/")
        return Response(
            SubmissionSerializer(submission).data, status=status.HTTP_202_ACCEPTED, headers={"Location": location}
        )


class SubmissionDetailView(generics.RetrieveAPIView):
    """A submission's status, verdict and per-check results. Learners see only their own."""

    serializer_class = SubmissionSerializer

    def get_queryset(self):
        return selectors.submissions_visible_to(self.request.user)

    def retrieve(self, request, *args, **kwargs) -> Response:
        submission = self.get_object()
        response = Response(self.get_serializer(submission).data)
        if not submission.is_final:
            response["Retry-After"] = "1"
        return response
