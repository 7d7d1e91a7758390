"""API clients: the systems (an LMS, a course tool) that call the API with a key instead of a person's token."""

import uuid

from django.conf import settings
from django.db import models


class Scope(models.TextChoices):
    READ_CONTENT = "read:content", "Read topics, lessons, quizzes and exercises"
    WRITE_SUBMISSIONS = "write:submissions", "Submit code and quiz answers for learners; read and regrade them"
    READ_GRADES = "read:grades", "Read learners' submissions and grades"
    ADMIN_WEBHOOKS = "admin:webhooks", "Register and manage webhook endpoints"


class ApiClient(models.Model):
    """A system with an API key. Its requests act as its service account, or, with ``X-Learner-Id``,
    as one of its external learners (created on first use)."""

    name = models.CharField(max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_api_clients",
        help_text="The instructor responsible for this client.",
    )  # fmt: skip
    # Whatever the client does without naming a learner is done as this account; it owns nothing else.
    service_user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client", editable=False
    )
    scopes = models.JSONField(default=list, help_text="What the key may do.")
    # The key is shown once; only its prefix (to find it) and a SHA-256 digest (to check it) are kept.
    key_prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class ExternalLearner(models.Model):
    """A learner known to an API client by the client's own id (``X-Learner-Id``), linked to a user."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="learners")
    external_id = models.CharField(max_length=255)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identity")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "external_id"], name="unique_external_id_per_client")]

    def __str__(self) -> str:
        return f"{self.external_id} ({self.client})"
