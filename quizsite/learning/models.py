"""What learners do: submissions of code to exercises."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from grader.vocabulary import Verdict
from quizsite.catalog.models import Exercise


class Submission(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        ERROR = "error"

    # One vocabulary: the verdicts and their labels are grader.vocabulary's.
    Verdict = models.TextChoices("Verdict", [(verdict.name, (verdict.value, verdict.label)) for verdict in Verdict])

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
    case_seed = models.BigIntegerField(
        null=True, blank=True, help_text="The secret that drew the hidden cases of the last grading (staff only)."
    )
    attempts = models.PositiveIntegerField(default=0, help_text="How many times grading was started.")
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    grading_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Its place in line: set when it enters the queue (created, requeued after its worker died, regraded).
    queued_at = models.DateTimeField(default=timezone.now, db_index=True)
    # When its grading message was last sent: the sweeper's bookkeeping, apart from queue order and updated_at.
    sent_at = models.DateTimeField(null=True, blank=True)
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


class Attempt(models.Model):
    """One go at a quiz. Answers are saved as they are given; submitting grades and freezes it."""

    class Status(models.TextChoices):
        STARTED = "started"
        ANSWERING = "answering"
        SUBMITTED = "submitted"
        GRADED = "graded"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts")
    quiz = models.ForeignKey("catalog.Quiz", on_delete=models.PROTECT, related_name="attempts")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.STARTED, db_index=True)
    started_at = models.DateTimeField(auto_now_add=True)
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    topic_scores = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "quiz"],
                condition=models.Q(status__in=["started", "answering"]),
                name="one_open_attempt_per_quiz",
            )
        ]

    def __str__(self) -> str:
        return f"{self.quiz} by {self.user} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.STARTED, self.Status.ANSWERING)


class AttemptItem(models.Model):
    """One question of an attempt: its variant is rendered from the attempt's id and the question."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey("catalog.Question", on_delete=models.PROTECT, related_name="attempt_items")
    position = models.PositiveIntegerField()
    response = models.JSONField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="one_item_per_question")]


class IdempotencyKey(models.Model):
    """A client's ``Idempotency-Key`` for creating a submission: a retry returns the original."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_submission_per_key")]
