"""API v1 views: parse input, call a service or selector, render output."""

from __future__ import annotations

import csv

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from quizsite import logs
from quizsite.api import examples, headers
from quizsite.api import permissions as scopes
from quizsite.api.authentication import client_of
from quizsite.api.errors import (
    Conflict,
    GradingUnavailable,
    LearnerRequired,
    PayloadTooLarge,
    Unprocessable,
    problem,
)
from quizsite.api.pagination import AttemptCursorPagination, GradesPagination, SyncCursorPagination
from quizsite.api.serializers import (
    AnswerSerializer,
    AttemptFilterSerializer,
    AttemptSerializer,
    AttemptSummarySerializer,
    ExerciseDetailSerializer,
    ExerciseListSerializer,
    GradeSerializer,
    GradesQuerySerializer,
    QuizSerializer,
    ReferenceSolutionSerializer,
    SubmissionCreateSerializer,
    SubmissionFilterSerializer,
    SubmissionSerializer,
    SubmissionWaitSerializer,
    TopicSerializer,
)
from quizsite.api.throttles import RequestRateThrottle, SubmissionRateThrottle
from quizsite.catalog.models import Exercise, Topic
from quizsite.catalog.selectors import (
    per_catalogue_revision,
    published_exercise,
    published_exercises,
    published_quizzes,
)
from quizsite.formats import timestamp
from quizsite.learning import attempts, events, selectors, services
from quizsite.learning.attempts import AttemptError
from quizsite.learning.exercise_help import reference_unlocked
from quizsite.learning.idempotency import IdempotencyConflict
from quizsite.learning.models import Attempt, Submission
from quizsite.ops.selectors import grading_unavailable_reason
from quizsite.spreadsheets import defuse_row


def _published_exercises():
    return published_exercises()


def _submission_response(request, submission, *, status_code: int = 200, headers: dict | None = None) -> Response:
    """One submission with its place in the queue, and while it is not final a ``Retry-After`` hint."""
    submission.queue_estimate = selectors.submission_queue_estimate(submission)
    data = SubmissionSerializer(submission, context={"request": request}).data
    response = Response(data, status=status_code, headers=headers)
    if submission.queue_estimate is not None:
        # Poll at about half the expected wait: often enough to be prompt, rarely enough under load.
        response["Retry-After"] = str(max(1, min(30, submission.queue_estimate["expected_wait_seconds"] // 2)))
    return response


def _acting_learner(request):
    """The learner a write is for: the person calling, or the one an API client names with X-Learner-Id."""
    client = client_of(request)
    if client is not None and request.user.pk == client.service_user_id:
        raise LearnerRequired()
    return request.user


@extend_schema_view(get=extend_schema(summary="List exercises", examples=[examples.EXERCISE_LIST]))
class ExerciseListView(generics.ListAPIView):
    """All published exercises."""

    serializer_class = ExerciseListSerializer
    client_scopes = {"GET": scopes.READ_CONTENT}

    def get_queryset(self):
        # Only the listed columns: the rows also hold checks, solutions and statements (kilobytes each).
        fields = [name for name in ExerciseListSerializer.Meta.fields if name != "topic"]
        return _published_exercises().only(*fields, "topic__slug")

    def list(self, request, *args, **kwargs) -> Response:
        # The same for every caller: computed once per catalogue revision, not on each of many requests.
        data = per_catalogue_revision("api-exercise-list", lambda: super(ExerciseListView, self).list(request).data)
        return Response(data)


@extend_schema_view(get=extend_schema(summary="An exercise", examples=[examples.EXERCISE_DETAIL]))
class ExerciseDetailView(generics.RetrieveAPIView):
    """One exercise: statement, starter code and limits (never the checks or solutions)."""

    serializer_class = ExerciseDetailSerializer
    lookup_field = "slug"
    client_scopes = {"GET": scopes.READ_CONTENT}

    def get_queryset(self):
        return _published_exercises()


class ExerciseReferenceView(APIView):
    """An exercise's reference solution, for a learner who has earned it (an accepted submission, or the
    exercise's number of attempts) while no course of theirs still counts work on the exercise."""

    client_scopes = {"GET": scopes.READ_CONTENT}

    @extend_schema(
        responses={
            200: ReferenceSolutionSerializer,
            403: OpenApiResponse(description="Not yet shown to this learner: `detail` says when it will be"),
        },
        examples=[examples.REFERENCE_SOLUTION],
        summary="The reference solution",
    )
    def get(self, request, slug: str) -> Response:
        learner = _acting_learner(request)
        exercise = get_object_or_404(_published_exercises(), slug=slug)
        access = reference_unlocked(learner, exercise)
        if not access:
            return problem(
                403, "Forbidden", f"The reference solution is shown {access.reason}.", kind="reference-locked"
            )
        return Response(ReferenceSolutionSerializer({"exercise": exercise.slug, "code": exercise.solution_code}).data)


class SubmissionCreateView(APIView):
    throttle_classes = [RequestRateThrottle, SubmissionRateThrottle]
    client_scopes = {"POST": scopes.SUBMIT}

    @extend_schema(
        request=SubmissionCreateSerializer,
        parameters=[headers.POLL_HINT, headers.LOCATION, headers.IDEMPOTENCY_KEY, headers.REPLAYED],
        responses={
            202: SubmissionSerializer,
            400: OpenApiResponse(description="Missing or invalid `code`, or an API client named no learner"),
            404: OpenApiResponse(description="Unknown exercise"),
            413: OpenApiResponse(description="Code over the size limit"),
            422: OpenApiResponse(description="Idempotency-Key reused with a different body"),
            429: OpenApiResponse(description="Too many submissions; see Retry-After"),
            503: OpenApiResponse(description="No worker can isolate learner code here: grading is unavailable"),
        },
        examples=[examples.SUBMISSION_CREATE, examples.SUBMISSION_QUEUED],
        summary="Submit code for grading",
    )
    def post(self, request, slug: str) -> Response:
        learner = _acting_learner(request)
        # The page's copy (one cache entry for both): the response reads the hints of the results.
        exercise = published_exercise(slug, without=Exercise.GRADING_ONLY_FIELDS)
        if exercise is None:
            raise NotFound("No published exercise has this slug.")
        unavailable = grading_unavailable_reason()
        if unavailable is not None:
            # Refused, not queued: a submission here would only end as a system error.
            raise GradingUnavailable(unavailable)
        serializer = SubmissionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = headers.idempotency_key(request)
        replayed = False
        try:
            if key:
                submission, replayed = services.submission_create_idempotent(
                    user=learner, exercise=exercise, key=key, **serializer.validated_data
                )
            else:
                submission = services.submission_create(user=learner, exercise=exercise, **serializer.validated_data)
        except services.SubmissionRejected as exc:
            if exc.code == "too_large":
                raise PayloadTooLarge(str(exc)) from exc
            raise ValidationError({exc.field: [str(exc)]}) from exc
        except IdempotencyConflict as exc:
            raise Unprocessable(str(exc)) from exc
        logs.bind(submission_id=submission.pk)  # the middleware clears it when the request ends
        location = request.build_absolute_uri(f"/api/v1/submissions/{submission.pk}/")
        extra = {"Location": location, **headers.replayed_headers(replayed)}
        return _submission_response(request, submission, status_code=status.HTTP_202_ACCEPTED, headers=extra)


class SubmissionListView(generics.ListAPIView):
    """Submissions you may see, newest first or (``ordering=updated_at``) oldest change first, filtered by
    ``exercise``, ``learner``, ``status`` and ``updated_since``, with cursor pagination."""

    serializer_class = SubmissionSerializer
    pagination_class = SyncCursorPagination
    client_scopes = {"GET": scopes.READ_SUBMISSIONS}

    @extend_schema(
        summary="List submissions", examples=[examples.SUBMISSION_PAGE], parameters=[SubmissionFilterSerializer]
    )
    def get(self, request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        # A plain dict, so that an empty value (``?updated_since=``) is refused rather than ignored.
        filters = SubmissionFilterSerializer(data=self.request.query_params.dict())
        filters.is_valid(raise_exception=True)
        return selectors.submissions_filtered(self.request.user, **filters.validated_data)


class SubmissionRegradeView(APIView):
    permission_classes = [IsAuthenticated, scopes.ClientScopes, scopes.StaffOrClient]
    client_scopes = {"POST": scopes.SUBMIT}

    @extend_schema(
        request=None,
        parameters=[headers.POLL_HINT, headers.LOCATION],
        responses={202: SubmissionSerializer, 409: OpenApiResponse(description="Still queued or running")},
        examples=[examples.REGRADE_QUEUED],
        summary="Regrade (staff, or an API client for its learners)",
    )
    def post(self, request, pk) -> Response:
        get_object_or_404(selectors.submissions_visible_to(request.user), pk=pk)
        logs.bind(submission_id=pk)
        try:
            submission = services.submission_regrade(submission_id=pk, by=request.user)
        except services.RegradeRefused as exc:
            raise Conflict(str(exc), code="not_final") from exc
        location = request.build_absolute_uri(f"/api/v1/submissions/{submission.pk}/")
        return _submission_response(
            request, submission, status_code=status.HTTP_202_ACCEPTED, headers={"Location": location}
        )


class ApiNotFoundView(APIView):
    """Any other path under /api/: a problem+json 404 rather than an HTML page."""

    permission_classes = [AllowAny]
    schema = None

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise NotFound("There is no API endpoint at this address.")

    def get(self, request, *args, **kwargs):
        raise NotFound("There is no API endpoint at this address.")


@extend_schema_view(
    get=extend_schema(
        summary="A submission",
        parameters=[headers.POLL_HINT, SubmissionWaitSerializer],
        examples=[examples.SUBMISSION_GRADED],
    )
)
class SubmissionDetailView(generics.RetrieveAPIView):
    """A submission's status, verdict and per-check results. Learners see only their own.

    With ``wait`` and ``status`` the request is a long poll: it is answered as soon as the submission leaves
    ``status`` (or after ``wait`` seconds), so a client hears the verdict the moment it is written."""

    serializer_class = SubmissionSerializer
    client_scopes = {"GET": scopes.READ_SUBMISSIONS}

    def get_queryset(self):
        return selectors.submissions_visible_to(self.request.user)

    def retrieve(self, request, *args, **kwargs) -> Response:
        # A plain dict, so that an empty value (``?status=``) is refused rather than ignored.
        params = SubmissionWaitSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        submission = self.get_object()
        logs.bind(submission_id=submission.pk)
        seen = params.validated_data.get("status")
        if seen is not None and submission.status == seen and seen not in Submission.FINAL_STATUSES:

            def changed() -> bool:
                submission.refresh_from_db(fields=["status"])
                return submission.status != seen

            timeout = params.validated_data["wait"]
            events.submission_change_wait(submission.pk, changed=changed, timeout=timeout, viewer=request.user.pk)
            submission.refresh_from_db()
        return _submission_response(request, submission)


@extend_schema_view(get=extend_schema(summary="List topics and their lessons", examples=[examples.TOPICS]))
class TopicListView(generics.ListAPIView):
    """Topics with their lessons (Markdown)."""

    serializer_class = TopicSerializer
    client_scopes = {"GET": scopes.READ_CONTENT}
    queryset = Topic.objects.select_related("lesson").order_by("position")


@extend_schema_view(get=extend_schema(summary="List quizzes", examples=[examples.QUIZZES]))
class QuizListView(generics.ListAPIView):
    """Published quizzes."""

    serializer_class = QuizSerializer
    client_scopes = {"GET": scopes.READ_CONTENT}
    queryset = published_quizzes().prefetch_related("topics")


@extend_schema_view(get=extend_schema(summary="A quiz", examples=[examples.QUIZ]))
class QuizDetailView(generics.RetrieveAPIView):
    """One published quiz: its settings, never its questions (an attempt draws them)."""

    serializer_class = QuizSerializer
    lookup_field = "slug"
    client_scopes = {"GET": scopes.READ_CONTENT}
    queryset = published_quizzes().prefetch_related("topics")


def _attempt_error(exc: AttemptError) -> Exception:
    if exc.code == "invalid_answer":
        return ValidationError({exc.field or "response": [str(exc)]})
    if exc.code == "unknown_question":
        return NotFound(str(exc))
    return Conflict(str(exc), code=exc.code)


class AttemptCreateView(APIView):
    client_scopes = {"POST": scopes.SUBMIT}

    @extend_schema(
        request=None,
        parameters=[headers.LOCATION, headers.IDEMPOTENCY_KEY, headers.REPLAYED],
        responses={
            201: AttemptSerializer,
            409: OpenApiResponse(
                description="An attempt of this quiz is in progress (`Location` points at it, to resume), or no "
                "attempts are left"
            ),
            422: OpenApiResponse(description="Idempotency-Key reused for another request"),
        },
        examples=[examples.ATTEMPT_STARTED],
        summary="Start an attempt",
    )
    def post(self, request, slug: str) -> Response:
        learner = _acting_learner(request)
        quiz = get_object_or_404(published_quizzes(), slug=slug)
        key = headers.idempotency_key(request)
        replayed = False
        try:
            if key:
                attempt, replayed = attempts.attempt_start_idempotent(user=learner, quiz=quiz, key=key)
            else:
                attempt = attempts.attempt_start(user=learner, quiz=quiz)
        except IdempotencyConflict as exc:
            raise Unprocessable(str(exc)) from exc
        except AttemptError as exc:
            if exc.attempt is not None:
                # The attempt in progress, for the client to resume.
                response = problem(409, "Conflict", str(exc), kind="attempt-open")
                response["Location"] = request.build_absolute_uri(f"/api/v1/attempts/{exc.attempt.pk}/")
                return response
            raise _attempt_error(exc) from exc
        location = request.build_absolute_uri(f"/api/v1/attempts/{attempt.pk}/")
        extra = {"Location": location, **headers.replayed_headers(replayed)}
        return Response(AttemptSerializer(attempt).data, status=status.HTTP_201_CREATED, headers=extra)


class AttemptListView(generics.ListAPIView):
    """Quiz attempts you may see, newest first or (``ordering=updated_at``) oldest change first, filtered by
    ``quiz``, ``learner``, ``status`` and ``updated_since``, with cursor pagination; without their questions."""

    serializer_class = AttemptSummarySerializer
    pagination_class = AttemptCursorPagination
    client_scopes = {"GET": scopes.READ_SUBMISSIONS}

    @extend_schema(summary="List attempts", examples=[examples.ATTEMPT_PAGE], parameters=[AttemptFilterSerializer])
    def get(self, request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = AttemptFilterSerializer(data=self.request.query_params.dict())
        filters.is_valid(raise_exception=True)
        return selectors.attempts_filtered(self.request.user, **filters.validated_data)


@extend_schema_view(get=extend_schema(summary="An attempt", examples=[examples.ATTEMPT_GRADED]))
class AttemptDetailView(generics.RetrieveAPIView):
    """An attempt with its questions; answers and explanations appear once it is graded."""

    serializer_class = AttemptSerializer
    client_scopes = {"GET": scopes.READ_SUBMISSIONS}

    def get_queryset(self):
        return selectors.attempts_visible_to(self.request.user)


class AttemptAnswerView(APIView):
    client_scopes = {"PUT": scopes.SUBMIT}

    @extend_schema(
        request=AnswerSerializer,
        responses={200: AttemptSerializer, 409: OpenApiResponse(description="The attempt is closed")},
        examples=[examples.ANSWER, examples.ATTEMPT_ANSWERED],
        summary="Save one answer",
    )
    def put(self, request, pk, question_id: str) -> Response:
        attempt = get_object_or_404(Attempt.objects.filter(user=_acting_learner(request)), pk=pk)
        serializer = AnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            attempts.attempt_answer(
                attempt=attempt, question_key=question_id, response=serializer.validated_data["response"]
            )
        except AttemptError as exc:
            raise _attempt_error(exc) from exc
        attempt.refresh_from_db()
        return Response(AttemptSerializer(attempt).data)


class AttemptSubmitView(APIView):
    client_scopes = {"POST": scopes.SUBMIT}

    @extend_schema(
        request=None,
        responses={200: AttemptSerializer, 409: OpenApiResponse(description="Already submitted")},
        examples=[examples.ATTEMPT_GRADED],
        summary="Submit and grade an attempt",
    )
    def post(self, request, pk) -> Response:
        attempt = get_object_or_404(Attempt.objects.filter(user=_acting_learner(request)), pk=pk)
        try:
            attempt = attempts.attempt_submit(attempt=attempt)
        except AttemptError as exc:
            raise _attempt_error(exc) from exc
        return Response(AttemptSerializer(attempt).data)


def _grade_rows(request) -> list[dict]:
    query = GradesQuerySerializer(data=request.query_params.dict())
    query.is_valid(raise_exception=True)
    return selectors.grades(request.user, **query.validated_data)


@extend_schema_view(get=extend_schema(parameters=[GradesQuerySerializer], examples=[examples.GRADES], summary="Grades"))
class GradesView(generics.ListAPIView):
    """Best and latest score and points per learner and exercise or quiz, in pages; ``/grades/csv/`` has all
    rows as a spreadsheet."""

    client_scopes = {"GET": scopes.READ_GRADES}
    pagination_class = GradesPagination
    serializer_class = GradeSerializer

    def get_queryset(self) -> list[dict]:
        # Rows computed from submissions and attempts (a list, not a queryset): the pagination slices it.
        return _grade_rows(self.request)


GRADE_COLUMNS = ["learner_username", "learner_external_id", "kind", "item", "best", "latest", "points", "possible",
                 "tries", "last_at", "updated_at"]  # fmt: skip


class GradesCsvView(APIView):
    """The grades as CSV: every row (no pages), the same filters, one column per field (the learner's two)."""

    client_scopes = {"GET": scopes.READ_GRADES}

    @extend_schema(
        parameters=[GradesQuerySerializer],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="A header row, then the grades.")},
        examples=[examples.GRADES_CSV],
        summary="Grades as CSV",
    )
    def get(self, request) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="grades.csv"'
        writer = csv.DictWriter(response, fieldnames=GRADE_COLUMNS)
        writer.writeheader()
        for row in _grade_rows(request):
            learner = row["learner"]
            cells = {**row, "learner_username": learner["username"], "learner_external_id": learner["external_id"]}
            cells.update(last_at=timestamp(row["last_at"]), updated_at=timestamp(row["updated_at"]))
            writer.writerow(defuse_row({column: cells[column] for column in GRADE_COLUMNS}))
        return response
