"""Learning content: topics and coding exercises, synced from files under ``exercises/``."""

import uuid

from django.conf import settings
from django.db import models

from grader.sandbox.limits import DEFAULT_EXERCISE_UNITS
from grader.vocabulary import Runtime


class Topic(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "title"]

    def __str__(self) -> str:
        return self.title


class Exercise(models.Model):
    class Difficulty(models.TextChoices):
        EASY = "easy"
        MEDIUM = "medium"
        HARD = "hard"

    # Identity survives renaming the folder: the uuid comes from info.toml.
    uuid = models.UUIDField(unique=True, default=uuid.uuid4)
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="exercises")
    difficulty = models.CharField(max_length=10, choices=Difficulty.choices, default=Difficulty.MEDIUM)
    points = models.PositiveIntegerField(default=10)
    runtime = models.CharField(
        max_length=10,
        choices=[(Runtime.NUMPY.value, "NumPy"), (Runtime.TORCH.value, "NumPy and PyTorch")],
        default=Runtime.NUMPY.value,
        help_text="What the sandbox preloads for this exercise (code that imports torch gets PyTorch anyway).",
    )
    allowed_imports = models.JSONField(
        default=list, blank=True, help_text="Modules the static gate lets this exercise's code import."
    )
    statement = models.TextField(help_text="Markdown shown to learners.")
    starter_code = models.TextField()
    # Hidden from learners and the API: the reference solution and the trusted checks.
    solution_code = models.TextField()
    checks_source = models.TextField()
    # One list on the row, not a table: a validation reads the code it grades and the version it records
    # in one read, so a sync landing in between cannot mix two versions.
    wrong_solutions = models.JSONField(
        default=list,
        blank=True,
        help_text="Known-wrong solutions from wrong/*.py: name, mistake, verdict, fails (check names) and code.",
    )
    public_examples = models.JSONField(
        default=list, blank=True, help_text="Names of the checks learners may run as examples (from checks.py)."
    )
    # Not secret: a learner sees a check's hint once they have failed that check (unlike solution_code above).
    # A list, not a mapping: PostgreSQL's jsonb does not keep key order, and hints show in the order of the checks.
    hints = models.JSONField(
        default=list,
        blank=True,
        help_text="One {check, hint} per check, in the order of checks.py: its title and a Markdown hint shown "
        "after a failed attempt (hints.toml).",
    )
    reference_after_attempts = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Show the reference solution after this many graded submissions, even without an accepted one "
        "(blank: only after an accepted submission).",
    )
    cpu_seconds = models.FloatField(default=DEFAULT_EXERCISE_UNITS["cpu_seconds"])
    wall_seconds = models.FloatField(default=DEFAULT_EXERCISE_UNITS["wall_seconds"])
    memory_mb = models.PositiveIntegerField(default=DEFAULT_EXERCISE_UNITS["memory_mb"])
    max_processes = models.PositiveIntegerField(default=DEFAULT_EXERCISE_UNITS["max_processes"])
    output_kb = models.PositiveIntegerField(default=DEFAULT_EXERCISE_UNITS["output_kb"])
    content_hash = models.CharField(
        max_length=64,
        help_text="The version: SHA-256 of the exercise's files at the last sync, or of its graded fields after "
        "an edit in the admin.",
    )
    is_published = models.BooleanField(
        default=True, help_text="Learners see it only if this is set and its current version passed validation."
    )
    updated_at = models.DateTimeField(auto_now=True)

    # Kilobytes each (the checks and the known-wrong solutions tens of them) and read by few: the page and the
    # API detail read the learner's part, grading the checks, validation the solutions. Readers that need none of
    # them (a result being recorded) defer them and skip the reading and JSON decoding.
    BULKY_FIELDS = (
        "statement", "starter_code", "solution_code", "checks_source", "wrong_solutions", "public_examples", "hints",
    )  # fmt: skip
    # Read only by grading and validation: the page and submissions leave them out of the exercise they cache.
    GRADING_ONLY_FIELDS = ("checks_source", "wrong_solutions")

    class Meta:
        ordering = ["topic__position", "title"]

    def __str__(self) -> str:
        return self.title


class ValidationRun(models.Model):
    """One validation of one version of an exercise: its reference, starter and wrong solutions graded by
    the sandbox, each against the verdict it must get. An exercise is published only while the latest
    concluded run of its current version passed (``selectors.published_exercises``)."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        PASSED = "passed"
        # A sample did not get the verdict it must.
        FAILED = "failed"
        # The run could not finish (the sandbox, a time limit): nothing learnt about the content.
        ERROR = "error"
        # The exercise changed before the run started: it validates nothing that still exists.
        SUPERSEDED = "superseded"

    class Trigger(models.TextChoices):
        SYNC = "sync", "content sync"
        ADMIN_EDIT = "admin_edit", "edit in the admin"
        REQUESTED = "requested", "validate now"

    # A verdict on the content: error and superseded say nothing about it.
    CONCLUDED = (Status.PASSED, Status.FAILED)

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="validation_runs")
    content_hash = models.CharField(max_length=64, help_text="The version of the exercise this run validates.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    results = models.JSONField(
        default=list,
        blank=True,
        help_text="One entry per sample: sample, expected, fails, verdict, ok, message, failed_checks, "
        "passed_unexpectedly, score, milliseconds.",
    )
    message = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # When it was last handed to the broker: the sweeper sends a run again if it waits too long after.
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["exercise", "content_hash", "status"]), models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.exercise.slug} @ {self.content_hash[:12]}: {self.status}"


class Lesson(models.Model):
    topic = models.OneToOneField(Topic, on_delete=models.CASCADE, related_name="lesson")
    body = models.TextField(help_text="Markdown.")

    def __str__(self) -> str:
        return f"Lesson: {self.topic}"


class Question(models.Model):
    """A quiz question. Parameterised ones name a generator in their topic's questions.py."""

    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"
        TRUE_FALSE = "true_false", "True or false"
        NUMERIC = "numeric", "Numeric"
        ORDERING = "ordering", "Ordering"
        MATCHING = "matching", "Matching"

    key = models.SlugField(max_length=100, unique=True, help_text="Stable id from questions.toml.")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="questions")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    difficulty = models.CharField(max_length=10, default="medium")
    prompt = models.TextField(blank=True)
    options = models.JSONField(default=list, blank=True)
    matches = models.JSONField(default=list, blank=True)
    answer = models.JSONField(null=True, blank=True)
    tolerance = models.JSONField(default=dict, blank=True)
    explanation = models.TextField(blank=True)
    generator = models.CharField(max_length=100, blank=True, help_text="Function in the topic's questions.py.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["topic__position", "key"]

    def __str__(self) -> str:
        return self.key


class Quiz(models.Model):
    class Mode(models.TextChoices):
        FIXED = "fixed", "Fixed questions"
        TOPICS = "topics", "Drawn from topics"
        ADAPTIVE = "adaptive", "Adaptive practice (weakest topics first)"

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.TOPICS)
    topics = models.ManyToManyField(Topic, blank=True, related_name="quizzes")
    question_keys = models.JSONField(default=list, blank=True, help_text="For fixed quizzes, in order.")
    question_count = models.PositiveIntegerField(default=10)
    time_limit_minutes = models.PositiveIntegerField(null=True, blank=True)
    max_attempts = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    is_published = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "title"]
        verbose_name_plural = "quizzes"

    def __str__(self) -> str:
        return self.title
