"""Explicit input and output serializers. Hidden checks and solutions never appear here."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from quizsite.accounts.selectors import learner_identity
from quizsite.catalog.models import Exercise, Quiz, Topic
from quizsite.learning.exercise_help import with_hints
from quizsite.learning.figures import figure_link
from quizsite.learning.models import Attempt, Submission
from quizsite.learning.selectors import attempt_questions, results_shown_to
from quizsite.webhooks.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into text."""

    default_error_messages = {"not_a_string": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A BooleanField that takes only JSON true and false, not 0, 1 or "yes"."""

    default_error_messages = {"not_a_boolean": "Must be true or false."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("not_a_boolean")
        return data


class AwareDateTimeField(serializers.DateTimeField):
    """An RFC 3339 timestamp with its offset: a time without one, or a bare date, is refused rather than
    read in the server's zone (a sync that guessed the zone wrong would skip or repeat hours of changes)."""

    default_error_messages = {
        "naive": "Give a full RFC 3339 timestamp with its offset, such as 2026-12-05T10:00:00Z or "
        "2026-12-05T11:00:00+01:00."
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            parsed = parse_datetime(value.strip())
            if parsed is None or parsed.tzinfo is None:
                self.fail("naive")
        return super().to_internal_value(value)


@extend_schema_field(
    {
        "anyOf": [
            {"type": "integer", "description": "single choice: the option's index"},
            {"type": "array", "items": {"type": "integer"}, "description": "multiple choice, ordering, matching"},
            {"type": "boolean", "description": "true/false"},
            {"type": "number", "description": "numeric"},
        ]
    }
)
class AnswerField(serializers.JSONField):
    """An answer to a question; its shape depends on the question's kind."""


class LearnerSerializer(serializers.Serializer):
    """A learner, named the same way in every response, webhook and CSV."""

    username = serializers.CharField(help_text="The learner's username here.")
    external_id = serializers.CharField(
        allow_null=True,
        help_text="The learner's id at the API client that created them (X-Learner-Id); null for other accounts.",
    )

    def to_representation(self, instance) -> dict:
        return super().to_representation(instance if isinstance(instance, dict) else learner_identity(instance))


class ExerciseListSerializer(serializers.ModelSerializer):
    topic = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Exercise
        fields = ["slug", "title", "topic", "difficulty", "points"]


class LimitsSerializer(serializers.Serializer):
    cpu_seconds = serializers.FloatField()
    wall_seconds = serializers.FloatField()
    memory_mb = serializers.IntegerField()
    output_kb = serializers.IntegerField()


class ExerciseDetailSerializer(ExerciseListSerializer):
    limits = serializers.SerializerMethodField()

    class Meta(ExerciseListSerializer.Meta):
        fields = [
            *ExerciseListSerializer.Meta.fields,
            "statement",
            "starter_code",
            "public_examples",
            "limits",
            "content_hash",
        ]

    @extend_schema_field(LimitsSerializer)
    def get_limits(self, exercise: Exercise) -> dict:
        return LimitsSerializer(exercise).data


class SubmissionCreateSerializer(serializers.Serializer):
    code = StrictCharField(trim_whitespace=False, allow_blank=False)
    examples_only = StrictBooleanField(
        default=False, help_text="Run only the exercise's public examples (not a graded attempt)."
    )


class WorkFilterSerializer(serializers.Serializer):
    """The filters every list of learners' work takes (submissions, attempts, grades)."""

    learner = serializers.CharField(
        required=False, max_length=255, help_text="A username, or an API client's own id for its learner."
    )
    updated_since = AwareDateTimeField(
        required=False, help_text="Only what changed at or after this time (RFC 3339 with an offset)."
    )


class SubmissionFilterSerializer(WorkFilterSerializer):
    exercise = serializers.SlugField(required=False, help_text="Exercise slug.")
    status = serializers.ChoiceField(choices=Submission.Status.choices, required=False)


class AttemptFilterSerializer(WorkFilterSerializer):
    quiz = serializers.SlugField(required=False, help_text="Quiz slug.")
    status = serializers.ChoiceField(choices=Attempt.Status.choices, required=False)


class SubmissionWaitSerializer(serializers.Serializer):
    wait = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=25,
        help_text="Long-poll: hold the request up to this many seconds while the submission's status is still "
        "`status`; the answer comes the moment it changes.",
    )
    status = serializers.ChoiceField(
        choices=Submission.Status.choices, required=False, help_text="The status the client last saw (with `wait`)."
    )

    def validate(self, attrs: dict) -> dict:
        if ("wait" in attrs) != ("status" in attrs):
            raise serializers.ValidationError("`wait` and `status` go together.")
        return attrs


class FigureLinkSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="lines, band, histogram, fold_grid, images or bars.")
    description = serializers.CharField(help_text="The figure's text alternative (use it as the image's alt).")
    url = serializers.URLField(help_text="The SVG, for the submission's owner and staff who may read the check.")


class CheckResultSerializer(serializers.Serializer):
    name = serializers.CharField()
    passed = serializers.BooleanField()
    message = serializers.CharField()
    points = serializers.IntegerField()
    hint = serializers.CharField(
        allow_null=True,
        help_text="For a failed check: a Markdown hint towards the idea it tests (null when passed or none written).",
    )
    figure = FigureLinkSerializer(allow_null=True, help_text="A plot drawn from the check's values; null if none.")


class QueueEstimateSerializer(serializers.Serializer):
    ahead = serializers.IntegerField(help_text="Submissions waiting before this one.")
    expected_wait_seconds = serializers.IntegerField(help_text="About how long until it is graded.")
    busy = serializers.BooleanField(help_text="The queue is longer than usual; it is still accepted and kept.")


class RegradeNoteSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="When staff replaced the result.")
    reason = serializers.CharField(help_text="Why, in staff's words; may be empty.")
    previous_verdict = serializers.ChoiceField(choices=Submission.Verdict.choices, allow_null=True)
    previous_score = serializers.FloatField(allow_null=True)
    previous_exercise_version = serializers.CharField(
        help_text="The exercise version (content hash) the previous result was graded against."
    )


class SubmissionSerializer(serializers.ModelSerializer):
    exercise = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    learner = LearnerSerializer(source="user", read_only=True)
    # Declared, not derived: the model allows a blank verdict, which a submission never has.
    verdict = serializers.ChoiceField(
        choices=Submission.Verdict.choices, allow_null=True, read_only=True, help_text="Null until graded."
    )
    exercise_version = serializers.CharField(
        read_only=True, help_text="The exercise version (content hash) the result was graded against; empty before."
    )
    passed = serializers.BooleanField(read_only=True)
    results = serializers.SerializerMethodField()
    # Set by the views that show one submission (create, detail, regrade); null in lists and once final.
    queue = QueueEstimateSerializer(read_only=True, allow_null=True, default=None, source="queue_estimate")
    regraded = serializers.SerializerMethodField(
        help_text="Set once staff replaced the result (a regrade): when, why, and the result before."
    )
    output = serializers.SerializerMethodField(
        help_text="What the code printed, for an examples-only run (truncated); null for graded submissions, "
        "whose output would show the hidden checks' inputs."
    )

    class Meta:
        model = Submission
        fields = [
            "id",
            "exercise",
            "learner",
            "examples_only",
            "status",
            "verdict",
            "passed",
            "score",
            "results",
            "message",
            "output",
            "queue",
            "regraded",
            "exercise_version",
            "created_at",
            "finished_at",
            "updated_at",
        ]

    @extend_schema_field(CheckResultSerializer(many=True))
    def get_results(self, submission: Submission) -> list[dict]:
        # Without a request in the context the caller is treated as the learner: withholding is the safe side.
        request = self.context.get("request")
        # The context is shared by every row of a list, so the decision is made once per learner and exercise.
        decided = self.context.setdefault("withheld_details", {})
        shown = results_shown_to(submission, request.user if request is not None else None, decided)
        shown = [{**result, "figure": figure_link(submission, i, result, request)} for i, result in enumerate(shown)]
        return CheckResultSerializer(with_hints(shown, submission.exercise), many=True).data

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_output(self, submission: Submission) -> str | None:
        return submission.output if submission.examples_only else None

    @extend_schema_field(RegradeNoteSerializer(allow_null=True))
    def get_regraded(self, submission: Submission) -> dict | None:
        if submission.regraded_at is None:
            return None
        previous = submission.previous_result
        note = {
            "at": submission.regraded_at,
            "reason": submission.regraded_reason,
            "previous_verdict": previous.verdict if previous else None,
            "previous_score": previous.score if previous else None,
            "previous_exercise_version": previous.exercise_version if previous else "",
        }
        return RegradeNoteSerializer(note).data


class TopicSerializer(serializers.ModelSerializer):
    lesson = serializers.SerializerMethodField()

    class Meta:
        model = Topic
        fields = ["slug", "title", "position", "lesson"]

    def get_lesson(self, topic: Topic) -> str | None:
        lesson = getattr(topic, "lesson", None)
        return lesson.body if lesson else None


class QuizSerializer(serializers.ModelSerializer):
    topics = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Quiz
        fields = ["slug", "title", "description", "mode", "topics", "question_count", "time_limit_minutes",
                  "max_attempts"]  # fmt: skip


class QuestionViewSerializer(serializers.Serializer):
    """A question as the learner sees it; after grading also the answer's score and the explanation."""

    id = serializers.CharField()
    kind = serializers.CharField()
    topic = serializers.CharField()
    prompt = serializers.CharField()
    options = serializers.ListField(child=serializers.CharField())
    matches = serializers.ListField(child=serializers.CharField(), required=False)
    scoring = serializers.CharField(required=False)
    response = AnswerField(allow_null=True, help_text="The saved answer; null if none yet.")
    score = serializers.FloatField(allow_null=True, required=False)
    correct_response = AnswerField(required=False)
    explanation = serializers.CharField(required=False)


class AttemptSummarySerializer(serializers.ModelSerializer):
    """An attempt without its questions: the rows of the attempt list."""

    quiz = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    learner = LearnerSerializer(source="user", read_only=True)

    class Meta:
        model = Attempt
        fields = ["id", "quiz", "learner", "status", "started_at", "deadline", "submitted_at", "score",
                  "topic_scores", "updated_at"]  # fmt: skip


class AttemptSerializer(AttemptSummarySerializer):
    questions = serializers.SerializerMethodField()

    class Meta(AttemptSummarySerializer.Meta):
        fields = [*AttemptSummarySerializer.Meta.fields, "questions"]

    @extend_schema_field(QuestionViewSerializer(many=True))
    def get_questions(self, attempt: Attempt) -> list[dict]:
        return attempt_questions(attempt)


class AnswerSerializer(serializers.Serializer):
    response = AnswerField(help_text="Index, list of indices, boolean or number, by question kind.")


class GradesQuerySerializer(WorkFilterSerializer):
    exercise = serializers.SlugField(required=False, help_text="Only this exercise (no quizzes unless `quiz` too).")
    quiz = serializers.SlugField(required=False, help_text="Only this quiz (no exercises unless `exercise` too).")

    def validate(self, attrs: dict) -> dict:
        # ``?format=csv`` chose CSV before grades had an operation of their own: refused, not ignored as JSON.
        if "format" in self.initial_data:
            raise serializers.ValidationError(
                {"format": ["There is no format parameter: grades are JSON here and CSV at /api/v1/grades/csv/."]}
            )
        return attrs


class GradeSerializer(serializers.Serializer):
    learner = LearnerSerializer()
    kind = serializers.ChoiceField(choices=["exercise", "quiz"])
    item = serializers.CharField(help_text="Exercise or quiz slug.")
    best = serializers.FloatField(help_text="The best score, a fraction from 0 to 1.")
    latest = serializers.FloatField(help_text="The latest score, a fraction from 0 to 1.")
    points = serializers.FloatField(help_text="Points earned: `best` times `possible`.")
    possible = serializers.IntegerField(help_text="Points possible: the exercise's points, or the quiz's questions.")
    tries = serializers.IntegerField(help_text="Graded submissions or attempts.")
    last_at = serializers.DateTimeField(allow_null=True, help_text="When the latest was graded.")
    updated_at = serializers.DateTimeField(help_text="When graded work behind this row last changed.")


class WebhookEndpointInputSerializer(serializers.Serializer):
    url = StrictCharField(max_length=2000, help_text="Absolute http(s) URL that receives POSTed events.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=Event.choices), min_length=1, help_text="Events to receive."
    )
    description = StrictCharField(max_length=200, required=False, allow_blank=True)
    is_active = StrictBooleanField(required=False, help_text="Pause (false) or resume (true) deliveries.")


class WebhookEndpointSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "events", "description", "is_active", "created_at"]


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(help_text="Signing secret (Standard Webhooks); shown only in this response.")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["sent_at", "status_code", "error", "duration_ms"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(read_only=True)
    webhook_id = serializers.CharField(read_only=True, help_text="The webhook-id header of every attempt.")
    payload = serializers.JSONField(read_only=True, source="payload_json")
    log = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "webhook_id", "event_type", "status", "attempts", "next_attempt_at", "last_status_code",
                  "last_error", "created_at", "delivered_at", "payload", "log"]  # fmt: skip


class CourseSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    code = serializers.CharField()
    term = serializers.CharField()


class GradebookAssignmentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField(source="display_title")
    kind = serializers.ChoiceField(choices=["exercise", "quiz"])
    item = serializers.SerializerMethodField(help_text="Exercise or quiz slug.")
    points = serializers.IntegerField()
    opens_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    cutoff_at = serializers.DateTimeField(allow_null=True)
    policy = serializers.CharField()

    def get_item(self, assignment) -> str:
        return assignment.item.slug


class GradebookMarkSerializer(serializers.Serializer):
    assignment = serializers.UUIDField()
    score = serializers.FloatField(allow_null=True, help_text="Fraction of the points; null when nothing counts.")
    points = serializers.FloatField(allow_null=True)
    late = serializers.BooleanField()
    days_late = serializers.IntegerField()
    extended = serializers.BooleanField()
    overridden = serializers.BooleanField()
    counted = serializers.IntegerField(help_text="Attempts that count under the assignment's terms.")
    ignored = serializers.IntegerField(help_text="Attempts before opening, after the cut-off or past the limit.")


class GradebookRowSerializer(serializers.Serializer):
    learner = LearnerSerializer()
    marks = GradebookMarkSerializer(many=True)
    points = serializers.FloatField()
    possible = serializers.IntegerField()
    percent = serializers.FloatField()


class GradebookSerializer(serializers.Serializer):
    course = CourseSerializer()
    assignments = GradebookAssignmentSerializer(many=True)
    learners = GradebookRowSerializer(many=True)


class ReferenceSolutionSerializer(serializers.Serializer):
    exercise = serializers.SlugField(help_text="The exercise's slug.")
    code = serializers.CharField(help_text="The reference solution's source code.")


class SubmissionEventDataSerializer(serializers.Serializer):
    """``data`` of ``submission.graded`` and ``submission.failed`` (built in quizsite.webhooks.services)."""

    learner = LearnerSerializer()
    id = serializers.UUIDField()
    exercise = serializers.SlugField(help_text="Exercise slug.")
    status = serializers.ChoiceField(choices=Submission.FINAL_STATUSES)
    verdict = serializers.ChoiceField(choices=Submission.Verdict.choices, allow_null=True)
    passed = serializers.BooleanField()
    score = serializers.FloatField(allow_null=True)
    message = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class AttemptEventDataSerializer(serializers.Serializer):
    """``data`` of ``attempt.submitted``."""

    learner = LearnerSerializer()
    id = serializers.UUIDField()
    quiz = serializers.SlugField(help_text="Quiz slug.")
    score = serializers.FloatField()
    topic_scores = serializers.DictField(child=serializers.FloatField(), help_text="Score per topic slug.")
    submitted_at = serializers.DateTimeField()


class SubmissionEventSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[Event.SUBMISSION_GRADED.value, Event.SUBMISSION_FAILED.value])
    timestamp = serializers.DateTimeField(help_text="When the event happened.")
    data = SubmissionEventDataSerializer()


class AttemptEventSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[Event.ATTEMPT_SUBMITTED.value])
    timestamp = serializers.DateTimeField(help_text="When the event happened.")
    data = AttemptEventDataSerializer()
