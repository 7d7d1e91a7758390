"""Explicit input and output serializers. Hidden checks and solutions never appear here."""

from __future__ import annotations

from rest_framework import serializers

from quizsite.catalog.models import Exercise
from quizsite.learning.models import Submission


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into text."""

    default_error_messages = {"not_a_string": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


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

    def get_limits(self, exercise: Exercise) -> dict:
        return LimitsSerializer(exercise).data


class SubmissionCreateSerializer(serializers.Serializer):
    code = StrictCharField(trim_whitespace=False, allow_blank=False)
    examples_only = serializers.BooleanField(
        default=False, help_text="Run only the exercise's public examples (not a graded attempt)."
    )


class CheckResultSerializer(serializers.Serializer):
    name = serializers.CharField()
    passed = serializers.BooleanField()
    message = serializers.CharField()
    points = serializers.IntegerField()


class SubmissionSerializer(serializers.ModelSerializer):
    exercise = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    passed = serializers.BooleanField(read_only=True)
    results = CheckResultSerializer(many=True, read_only=True)

    class Meta:
        model = Submission
        fields = [
            "id",
            "exercise",
            "examples_only",
            "status",
            "verdict",
            "passed",
            "score",
            "results",
            "message",
            "created_at",
            "finished_at",
        ]
