"""What the tool keeps beside django-lti's registrations, deployments, contexts and line items.

An LTI context is a course and a resource link is an assignment; a learner's mark for an assignment reaches
the platform through a :class:`ScorePassback` row (an outbox), never from the request that changed it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from lti_tool.models import LtiContext, LtiLineItem, LtiRegistration, LtiResourceLink, LtiUser

from quizsite.courses.models import Assignment, Course


class LaunchState(models.Model):
    """pylti1p3's launch storage (OIDC states, nonces, launch data) in the database.

    Every web process sees it (the default cache is per process), and consuming a state or a nonce is one
    DELETE that only one request can win, which is what makes them single-use.
    """

    key = models.CharField(max_length=255, primary_key=True)
    value = models.JSONField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.key


class CourseContext(models.Model):
    """The course an LTI context (a course in the platform) is."""

    context = models.OneToOneField(LtiContext, on_delete=models.CASCADE, related_name="course_link")
    course = models.OneToOneField(Course, on_delete=models.CASCADE, related_name="lti_context")
    roster_synced_at = models.DateTimeField(null=True, blank=True)
    roster_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = "course's LTI context"

    def __str__(self) -> str:
        return f"{self.course} ⇄ {self.context}"


class LinkedAssignment(models.Model):
    """The assignment an LTI resource link opens, and the platform's line item its marks go to."""

    resource_link = models.OneToOneField(LtiResourceLink, on_delete=models.CASCADE, related_name="assignment_link")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="lti_links")
    line_item = models.ForeignKey(LtiLineItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"{self.resource_link} → {self.assignment}"


class ScorePassback(models.Model):
    """One learner's mark on one line item, to be sent (an outbox row).

    A change to the learner's work bumps ``version``; a send reads the mark as it is then and records the
    version it sent, so a change during a send is sent again, and nothing is lost if the platform is down.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILING = "failing", "Failing (retrying)"

    line_item = models.ForeignKey(LtiLineItem, on_delete=models.CASCADE, related_name="passbacks")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="passbacks")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passbacks")
    lti_user = models.ForeignKey(LtiUser, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True)
    version = models.PositiveIntegerField(default=1)
    sent_version = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0, help_text="Failed sends since the last success.")
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.CharField(max_length=500, blank=True)
    lease_token = models.UUIDField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # What the platform has now, as we sent it.
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_timestamp = models.DateTimeField(null=True, blank=True, help_text="The score's timestamp, as sent.")
    score_given = models.FloatField(null=True, blank=True)
    score_maximum = models.FloatField(null=True, blank=True)
    grading_progress = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["line_item", "learner"], name="one_passback_per_line_item_and_learner")
        ]
        verbose_name = "score passback"

    def __str__(self) -> str:
        return f"{self.learner} on {self.line_item}"


class RegistrationLink(models.Model):
    """A one-time URL an administrator gives a platform so it registers the tool (IMS Dynamic Registration).

    Only a hash of its token is kept. Issuing the link is the administrator's approval: the registration it
    makes is active at once, and nobody without a link can make the tool fetch a URL of their choosing.
    """

    label = models.CharField(max_length=200, help_text="Which platform it is for, e.g. 'University Canvas'.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    registration = models.ForeignKey(
        LtiRegistration, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "LTI registration link"

    def __str__(self) -> str:
        return self.label
