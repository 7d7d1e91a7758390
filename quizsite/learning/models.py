"""What learners do: submissions of code to exercises."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property

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
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # Set when staff replace its result (the previous one is kept as a GradingRecord); shown to the learner.
    regraded_at = models.DateTimeField(null=True, blank=True)
    regraded_reason = models.CharField(max_length=300, blank=True)

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

    @cached_property
    def previous_result(self) -> "GradingRecord | None":
        """The result this submission's current one replaced, if staff regraded it (prefetch
        ``grading_records`` when showing many)."""
        if self.regraded_at is None:
            return None
        return max(self.grading_records.all(), key=lambda record: record.replaced_at, default=None)


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
    # Any change (an answer, a submission, its grading): what a client syncing with updated_since follows.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

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
    """A client's ``Idempotency-Key`` on a POST that creates something: a retry returns what the first request
    created. One key per user across operations, so a key reused for another operation is a conflict."""

    class Resource(models.TextChoices):
        SUBMISSION = "submission"
        ATTEMPT = "attempt"
        WEBHOOK = "webhook"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    # By id, not a foreign key: the resources live in different apps, and one deleted since makes the key stale.
    resource = models.CharField(max_length=16, choices=Resource.choices)
    resource_id = models.UUIDField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_resource_per_key")]


class HintUnlock(models.Model):
    """A check a learner has failed at least once on an exercise: its hint is theirs to read from then on.

    Written when a result becomes final (``services.submission_finished``), so the exercise page reads one small
    indexed set instead of every result its learner ever got."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hint_unlocks")
    exercise = models.ForeignKey("catalog.Exercise", on_delete=models.CASCADE, related_name="hint_unlocks")
    check_name = models.TextField(help_text="The check's title, as its results carry it.")
    unlocked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "exercise", "check_name"], name="one_unlock_per_check")]

    def __str__(self) -> str:
        return f"{self.check_name} for {self.user_id}"


class GradingRecord(models.Model):
    """A result a submission once had, kept when staff replaced it (a regrade), with the exercise version
    it was graded against: the history that makes a changed mark explainable. Never edited."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="grading_records")
    status = models.CharField(max_length=10, choices=Submission.Status.choices)
    verdict = models.CharField(max_length=24, choices=Submission.Verdict.choices, null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    results = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    exercise_version = models.CharField(max_length=64, blank=True)
    case_seed = models.BigIntegerField(null=True, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    replaced_at = models.DateTimeField(default=timezone.now, db_index=True)
    reason = models.CharField(max_length=300, blank=True, help_text="Why the result was replaced.")
    replaced_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    regrade = models.ForeignKey("Regrade", null=True, blank=True, on_delete=models.SET_NULL, related_name="records")

    class Meta:
        ordering = ["-replaced_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.verdict} ({self.score}) against {self.exercise_version[:12]}"


class Regrade(models.Model):
    """Staff grading an exercise's final submissions again after its checks changed: first a preview
    (results kept on the items only), then, once every item is graded, applied as new results."""

    class Status(models.TextChoices):
        PREVIEWING = "previewing"
        READY = "ready", "Preview finished"
        APPLIED = "applied"
        CANCELLED = "cancelled"

    class Scope(models.TextChoices):
        ALL = "all", "Every final submission"
        SELECTED = "selected", "Selected submissions"

    OPEN_STATUSES = (Status.PREVIEWING, Status.READY)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="regrades")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=300, help_text="Shown to learners whose result it replaces.")
    exercise_version = models.CharField(max_length=64, help_text="The exercise's content hash being previewed.")
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.ALL)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PREVIEWING, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    applied_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(
        default=0, help_text="Submissions left alone at apply: their result changed after the preview."
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Regrade of {self.exercise.slug} ({self.get_status_display()})"


class RegradeItem(models.Model):
    """One submission in a regrade: its result when the preview started, and the preview's result."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done", "Previewed"
        FAILED = "failed"
        APPLIED = "applied"
        SKIPPED = "skipped", "Skipped (changed since the preview)"

    regrade = models.ForeignKey(Regrade, on_delete=models.CASCADE, related_name="items")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="regrade_items")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    # The submission's result when the preview started; apply replaces it only if it is still this one.
    old_status = models.CharField(max_length=10, choices=Submission.Status.choices)
    old_verdict = models.CharField(max_length=24, choices=Submission.Verdict.choices, null=True, blank=True)
    old_score = models.FloatField(null=True, blank=True)
    old_exercise_version = models.CharField(max_length=64, blank=True)
    old_finished_at = models.DateTimeField(null=True, blank=True)
    # The preview's grading, claimed like a submission's (see regrades.regrade_item_claim).
    attempts = models.PositiveIntegerField(default=0)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    new_verdict = models.CharField(max_length=24, choices=Submission.Verdict.choices, null=True, blank=True)
    new_score = models.FloatField(null=True, blank=True)
    new_results = models.JSONField(default=list, blank=True)
    new_message = models.TextField(blank=True)
    new_output = models.TextField(blank=True)
    new_case_seed = models.BigIntegerField(null=True, blank=True)
    new_grading_ms = models.PositiveIntegerField(null=True, blank=True)
    new_exercise_version = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True, help_text="Why the preview could not grade it (an infrastructure failure).")

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["regrade", "submission"], name="one_item_per_submission")]

    def __str__(self) -> str:
        return f"{self.submission_id} in {self.regrade_id} ({self.status})"
