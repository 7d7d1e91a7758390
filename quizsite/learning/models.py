"""What learners do: submissions of code to exercises."""

import uuid

from django.conf import settings
from django.db import models

from quizsite.catalog.models import Exercise


class Submission(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        ERROR = "error"

    class Verdict(models.TextChoices):
        ACCEPTED = "accepted"
        WRONG_ANSWER = "wrong_answer"
        RUNTIME_ERROR = "runtime_error"
        TIME_LIMIT_EXCEEDED = "time_limit_exceeded"
        MEMORY_LIMIT_EXCEEDED = "memory_limit_exceeded"
        OUTPUT_LIMIT_EXCEEDED = "output_limit_exceeded"
        SYNTAX_ERROR = "syntax_error"
        SYSTEM_ERROR = "system_error"

    FINAL_STATUSES = (Status.DONE, Status.ERROR)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="submissions")
    code = models.TextField()
    examples_only = models.BooleanField(
        default=False, help_text="A run of the public examples only: shown to the learner, never graded."
    )
    # Lifecycle and outcome are separate: "done" with "runtime_error" is a graded submission.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    verdict = models.CharField(max_length=24, choices=Verdict.choices, null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    results = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True, help_text="Why the submission ended as it did, for the learner.")
    output = models.TextField(blank=True, help_text="What the learner's code printed (truncated).")
    exercise_version = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="How many times grading was started.")
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    grading_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "exercise", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.exercise.slug} by {self.user} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES

    @property
    def passed(self) -> bool:
        return self.verdict == self.Verdict.ACCEPTED
