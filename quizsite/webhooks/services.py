"""Webhooks: registering endpoints, turning events into deliveries, and sending them at least once."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from quizsite.accounts.models import ApiClient, ExternalLearner
from quizsite.formats import TimestampJSONEncoder
from quizsite.learning.idempotency import idempotent_create
from quizsite.learning.models import Attempt, IdempotencyKey, Submission
from quizsite.webhooks import signing, transport
from quizsite.webhooks.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

_RESPONSE_KEPT_CHARS = 500
# Deliveries whose retry is this close are sent by a delayed task; later ones by the periodic sweep,
# which also recovers any task the broker lost.
_COUNTDOWN_MAX_SECONDS = 300
WEBHOOK_SECRET_OVERLAP = timedelta(hours=24)
# Longer than any task may run (CELERY_TASK_TIME_LIMIT), however slowly a receiver answers.
_CLAIM = timedelta(minutes=5)


class InvalidEndpoint(ValueError):
    """A webhook URL or event list that cannot be accepted; ``field`` names the culprit."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def _check_endpoint(url: str, events: list[str]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidEndpoint("The URL must be an absolute http or https URL.", "url")
    if not settings.WEBHOOK_ALLOW_PRIVATE_URLS and transport.is_private_host(parts.hostname):
        raise InvalidEndpoint("The URL must not point at a private, loopback or link-local address.", "url")
    if not events or set(events) - set(Event.values):
        raise InvalidEndpoint(f"Choose one or more of: {', '.join(Event.values)}.", "events")


def endpoint_create(
    *, client: ApiClient, url: str, events: list[str], description: str = "", is_active: bool = True
) -> WebhookEndpoint:
    """Register an endpoint for ``client`` with a new signing secret; raises :class:`InvalidEndpoint`."""
    _check_endpoint(url, events)
    return WebhookEndpoint.objects.create(
        client=client, url=url, events=sorted(set(events)), description=description, is_active=is_active,
        secret=signing.secret_new(),
    )  # fmt: skip


def endpoint_create_idempotent(*, client: ApiClient, key: str, **fields) -> tuple[WebhookEndpoint, bool]:
    """Like :func:`endpoint_create`, but a retry with the same ``key`` and fields returns the endpoint the first
    request registered; returns ``(endpoint, replayed)`` (see :func:`quizsite.learning.idempotency.idempotent_create`).
    """
    return idempotent_create(
        user=client.service_user,
        key=key,
        resource=IdempotencyKey.Resource.WEBHOOK,
        request=json.dumps(fields, sort_keys=True),
        create=lambda: endpoint_create(client=client, **fields),
        find=lambda pk: WebhookEndpoint.objects.filter(client=client, pk=pk).first(),
    )


def endpoint_update(*, endpoint: WebhookEndpoint, **changes) -> WebhookEndpoint:
    """Change an endpoint's ``url``, ``events``, ``description`` or ``is_active``; raises :class:`InvalidEndpoint`."""
    for field, value in changes.items():
        setattr(endpoint, field, sorted(set(value)) if field == "events" else value)
    _check_endpoint(endpoint.url, endpoint.events)
    endpoint.save()
    return endpoint


def endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Give an endpoint a new secret; the old one keeps signing beside it for ``WEBHOOK_SECRET_OVERLAP``."""
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + WEBHOOK_SECRET_OVERLAP
    endpoint.secret = signing.secret_new()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    return endpoint


def _signing_secrets(endpoint: WebhookEndpoint) -> list[str]:
    expires = endpoint.previous_secret_expires_at
    still_valid = endpoint.previous_secret and expires is not None and expires > timezone.now()
    return [endpoint.secret, endpoint.previous_secret] if still_valid else [endpoint.secret]


def _emit(*, event_type: str, user_id: int, data: dict) -> int:
    """Queue ``event_type`` for every active endpoint, subscribed to it, of the client the learner belongs
    to; returns how many deliveries were created. Call inside the transaction that made the change."""
    active = ExternalLearner.objects.filter(user_id=user_id, client__is_active=True)
    identity = active.values("client_id", "external_id", "user__username").first()
    if identity is None:
        return 0
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(client_id=identity["client_id"], is_active=True)
        if event_type in endpoint.events
    ]
    # The learner as REST and CSV name them (quizsite.accounts.selectors.learner_identity).
    learner = {"username": identity["user__username"], "external_id": identity["external_id"]}
    message = {"type": event_type, "timestamp": timezone.now(), "data": {"learner": learner, **data}}
    payload = json.dumps(message, cls=TimestampJSONEncoder, separators=(",", ":"))
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=endpoint, event_type=event_type, payload=payload, next_attempt_at=now)
        for endpoint in endpoints
    )
    for delivery in deliveries:
        _send_on_commit(delivery.pk)
    return len(deliveries)


def _send_on_commit(delivery_id: uuid.UUID, countdown: float = 0) -> None:
    from quizsite.webhooks.tasks import deliver_webhook

    # Robust: a broker outage leaves the delivery pending; the periodic sweep sends it later.
    transaction.on_commit(lambda: deliver_webhook.apply_async((str(delivery_id),), countdown=countdown), robust=True)


def submission_finished_emit(*, submission: Submission) -> int:
    """``submission.graded`` or ``submission.failed`` for a graded (not examples-only) submission, as read in the
    transaction that made it final (with its exercise)."""
    if submission.examples_only or not submission.is_final:
        return 0
    event = Event.SUBMISSION_GRADED if submission.status == Submission.Status.DONE else Event.SUBMISSION_FAILED
    data = {
        "id": str(submission.pk),
        "exercise": submission.exercise.slug,
        "status": submission.status,
        "verdict": submission.verdict,
        "passed": submission.passed,
        "score": submission.score,
        "message": submission.message,
        "created_at": submission.created_at,
        "finished_at": submission.finished_at,
    }
    return _emit(event_type=event, user_id=submission.user_id, data=data)


def attempt_submitted_emit(*, attempt: Attempt) -> int:
    """``attempt.submitted`` for a graded quiz attempt."""
    data = {
        "id": str(attempt.pk),
        "quiz": attempt.quiz.slug,
        "score": attempt.score,
        "topic_scores": attempt.topic_scores,
        "submitted_at": attempt.submitted_at,
    }
    return _emit(event_type=Event.ATTEMPT_SUBMITTED, user_id=attempt.user_id, data=data)


def delivery_send(*, delivery_id: uuid.UUID | str) -> str:
    """Make one attempt at a due delivery and schedule the next on failure; returns the outcome
    (``delivered``, ``retrying``, ``failed``, or ``skipped`` when it is not due or another worker has it).
    """
    now = timezone.now()
    # One conditional update claims the attempt, so two copies of the task never send at once. The claim
    # outlasts any task (the hard time limit), so even a sender killed mid-request is not doubled. A
    # paused endpoint or a deactivated client holds its deliveries until it is active again.
    claimed = (
        _unclaimed(now)
        .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
        .filter(endpoint__is_active=True, endpoint__client__is_active=True)
        .update(claimed_until=now + _CLAIM, attempts=F("attempts") + 1)
    )
    if claimed != 1:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    attempt = _post(delivery)
    attempt.save()
    return _schedule_after(delivery, attempt)


def _post(delivery: WebhookDelivery) -> WebhookAttempt:
    body = delivery.payload.encode()
    sent_at = timezone.now()
    headers = signing.signed_headers(
        _signing_secrets(delivery.endpoint), delivery.webhook_id, int(sent_at.timestamp()), body
    )
    headers.update({"Content-Type": "application/json", "User-Agent": "GradientGym-Webhooks/1"})
    attempt = WebhookAttempt(delivery=delivery, sent_at=sent_at)
    started = time.monotonic()
    try:
        parts = urlsplit(delivery.endpoint.url)
        if parts.scheme not in ("http", "https"):
            raise ValueError("refused: only http and https URLs are delivered to")
        request = urllib.request.Request(delivery.endpoint.url, data=body, headers=headers, method="POST")  # noqa: S310
        sender = transport.opener(
            allow_private=settings.WEBHOOK_ALLOW_PRIVATE_URLS, total_seconds=settings.WEBHOOK_TOTAL_SECONDS
        )
        with sender.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            attempt.status_code = response.status
            attempt.response_excerpt = _excerpt(response.read(_RESPONSE_KEPT_CHARS))
    except urllib.error.HTTPError as exc:
        attempt.status_code = exc.code
        attempt.response_excerpt = _excerpt(exc.read(_RESPONSE_KEPT_CHARS))
    except Exception as exc:  # noqa: BLE001 - whatever a receiver does wrong is a failed attempt, never a crash
        attempt.error = (str(exc)[:500] or type(exc).__name__).replace("\x00", "")
    attempt.duration_ms = round((time.monotonic() - started) * 1000)
    return attempt


def _excerpt(body: bytes) -> str:
    # Text columns cannot hold NUL; a receiver's body is kept for people to read, so dropping it is fine.
    return body.decode("utf-8", "replace").replace("\x00", "")


def _schedule_after(delivery: WebhookDelivery, attempt: WebhookAttempt) -> str:
    values = {"claimed_until": None, "last_status_code": attempt.status_code, "last_error": attempt.error}
    if attempt.succeeded:
        outcome = "delivered"
        values.update(status=WebhookDelivery.Status.DELIVERED, delivered_at=attempt.sent_at, next_attempt_at=None)
    elif delivery.attempts <= len(settings.WEBHOOK_RETRY_DELAYS):  # attempts that crashed count too
        outcome = "retrying"
        delay = settings.WEBHOOK_RETRY_DELAYS[delivery.attempts - 1]
        values["next_attempt_at"] = timezone.now() + timedelta(seconds=delay)
    else:
        outcome = "failed"
        values.update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**values)
    log.info(
        "webhook %s %s to %s: attempt %d, %s (%s)",
        delivery.webhook_id, delivery.event_type, delivery.endpoint.url, delivery.attempts, outcome,
        attempt.status_code or attempt.error,
    )  # fmt: skip
    if outcome == "retrying" and delay <= _COUNTDOWN_MAX_SECONDS:
        _send_on_commit(delivery.pk, countdown=delay)
    return outcome


class DeliveryBusy(Exception):
    """The delivery is being sent right now."""


def delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now, with the same ``webhook-id``, restarting its retry schedule.

    Raises :class:`DeliveryBusy` while an attempt is in flight (its outcome would overwrite the reset).
    """
    now = timezone.now()
    reset = (
        _unclaimed(now)
        .filter(pk=delivery.pk)
        .update(status=WebhookDelivery.Status.PENDING, attempts=0, next_attempt_at=now, claimed_until=None)
    )
    if reset != 1:
        raise DeliveryBusy("This delivery is being sent right now; try again in a minute.")
    _send_on_commit(delivery.pk)
    delivery.refresh_from_db()
    return delivery


def _unclaimed(now):
    return WebhookDelivery.objects.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))


def deliveries_due_send() -> int:
    """Enqueue every pending delivery whose time has come and that no worker holds (the periodic sweep:
    long retries, and messages the broker lost); returns how many."""
    now = timezone.now()
    due = _unclaimed(now).filter(
        status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now, endpoint__is_active=True,
        endpoint__client__is_active=True,
    )  # fmt: skip
    ids = list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:1000])
    for delivery_id in ids:
        _send_on_commit(delivery_id)
    return len(ids)
