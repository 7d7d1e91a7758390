"""Webhook endpoints that API clients register, and the log of every message sent to them."""

import json
import uuid

from django.db import models

from quizsite.accounts.models import ApiClient


class Event(models.TextChoices):
    SUBMISSION_GRADED = "submission.graded"
    SUBMISSION_FAILED = "submission.failed"
    ATTEMPT_SUBMITTED = "attempt.submitted"


class WebhookEndpoint(models.Model):
    """A URL of an API client's that receives the events it subscribed to about the client's learners."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list)
    description = models.CharField(max_length=200, blank=True)
    # Standard Webhooks secret ("whsec_" + base64 key); the receiver needs it to check signatures.
    secret = models.CharField(max_length=100, editable=False)
    # After a rotation the old secret signs too, for a day, so receivers can switch without losing events.
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.url} ({self.client})"


class WebhookDelivery(models.Model):
    """One message to one endpoint, sent until it is acknowledged (2xx) or its retries run out.

    Every attempt carries the same ``webhook-id``, so a receiver can drop duplicates.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(max_length=40, choices=Event.choices)
    # The exact bytes that are signed and sent, kept so that every retry sends the same message.
    payload = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Attempts in the current retry schedule.")
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Set while one worker is sending, so a duplicate task does not send at the same time.
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event_type} {self.webhook_id} ({self.status})"

    @property
    def webhook_id(self) -> str:
        return f"msg_{self.pk.hex}"

    @property
    def payload_json(self) -> dict:
        return json.loads(self.payload)


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: the delivery log."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    sent_at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    response_excerpt = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sent_at"]

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
