"""Courses: who teaches and who learns, which exercises and quizzes are assigned, and on what terms.

Scores are never stored here: a learner's mark for an assignment is derived from their submissions or
quiz attempts under the assignment's policy (``quizsite.courses.policy``). What staff decide by hand
(an extension, an override) is a row of its own, with who, when and why.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class Course(models.Model):
    # UUIDs are what the API and LTI (context ids map onto courses) hand to other systems.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(max_length=200)
    code = models.CharField(max_length=40, help_text="Short code, e.g. ML-401.")
    term = models.CharField(max_length=40, blank=True, help_text="e.g. Spring 2027.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["code", "term"], name="unique_course_code_per_term")]

    def __str__(self) -> str:
        return f"{self.code} {self.term}".strip() + f": {self.title}"


class Enrolment(models.Model):
    class Role(models.TextChoices):
        LEARNER = "learner", "Learner"
        INSTRUCTOR = "instructor", "Instructor"
        TEACHING_ASSISTANT = "ta", "Teaching assistant"

    STAFF_ROLES = (Role.INSTRUCTOR, Role.TEACHING_ASSISTANT)

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrolments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.LEARNER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["course", "role", "user__username"]
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="one_enrolment_per_course")]

    def __str__(self) -> str:
        return f"{self.user} in {self.course.code} ({self.get_role_display()})"


class Assignment(models.Model):
    class Policy(models.TextChoices):
        BEST = "best", "Best counted attempt"
        LATEST = "latest", "Latest counted attempt"
        AVERAGE = "average", "Average of counted attempts"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="assignments")
    exercise = models.ForeignKey(
        "catalog.Exercise", null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    quiz = models.ForeignKey(
        "catalog.Quiz", null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    title = models.CharField(max_length=200, blank=True, help_text="Defaults to the exercise's or quiz's title.")
    points = models.PositiveIntegerField(default=10, help_text="Weight in the course total.")
    opens_at = models.DateTimeField(null=True, blank=True, help_text="Work before this is practice and not counted.")
    due_at = models.DateTimeField(null=True, blank=True, help_text="Work after this is late.")
    cutoff_at = models.DateTimeField(null=True, blank=True, help_text="Hard cut-off: work after this is not counted.")
    late_penalty_percent_per_day = models.FloatField(
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Taken off a late attempt's score for each started day after the due date.",
    )
    max_attempts = models.PositiveIntegerField(
        null=True, blank=True, help_text="Only the first N attempts in the window count (blank: all)."
    )
    policy = models.CharField(max_length=8, choices=Policy.choices, default=Policy.BEST)
    hidden_details_after_due = models.BooleanField(
        default=False, help_text="After the due date, show learners what each hidden check found."
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["course", "position", "due_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(exercise__isnull=False, quiz__isnull=True) | Q(exercise__isnull=True, quiz__isnull=False),
                name="assignment_is_an_exercise_or_a_quiz",
            ),
            models.CheckConstraint(
                condition=Q(due_at__isnull=True) | Q(cutoff_at__isnull=True) | Q(cutoff_at__gte=models.F("due_at")),
                name="assignment_cutoff_not_before_due",
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True) | Q(due_at__isnull=True) | Q(due_at__gt=models.F("opens_at")),
                name="assignment_due_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def item(self):
        """The exercise or quiz assigned."""
        return self.exercise or self.quiz

    @property
    def kind(self) -> str:
        return "exercise" if self.exercise_id else "quiz"

    @property
    def display_title(self) -> str:
        return self.title or (self.item.title if self.item else "")


class Extension(models.Model):
    """A later due date (and cut-off) for one learner on one assignment."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="extensions")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="extensions")
    due_at = models.DateTimeField()
    cutoff_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "learner"], name="one_extension_per_learner"),
            models.CheckConstraint(
                condition=Q(cutoff_at__isnull=True) | Q(cutoff_at__gte=models.F("due_at")),
                name="extension_cutoff_not_before_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner} on {self.assignment}: due {self.due_at:%Y-%m-%d %H:%M}"


class ScoreOverride(models.Model):
    """A mark set by staff. Rows are never edited: the newest one for a learner and assignment wins, and
    one with no score withdraws the override (the derived mark applies again)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="overrides")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="score_overrides")
    score = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Fraction of the assignment's points, 0 to 1; blank withdraws the override.",
    )
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        shown = "withdrawn" if self.score is None else f"{self.score:.0%}"
        return f"{self.learner} on {self.assignment}: {shown}"
