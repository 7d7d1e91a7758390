"""The delivery log in the admin shows each attempt and can send a delivery again."""

import pytest
from django.test import Client

from quizsite.webhooks.models import WebhookAttempt, WebhookDelivery
from quizsite.webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db


def test_the_log_shows_attempts_and_redelivery_requeues(lms, django_user_model, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    client, _ = lms
    endpoint = endpoint_create(client=client, url="http://127.0.0.1:9/hook", events=["submission.graded"])
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_type="submission.graded", payload="{}", status="failed", attempts=8
    )
    WebhookAttempt.objects.create(delivery=delivery, sent_at=delivery.created_at, status_code=502, error="")
    browser = Client()
    browser.force_login(django_user_model.objects.create_superuser(username="head", password="pw-head-123456"))
    page = browser.get(f"/admin/webhooks/webhookdelivery/{delivery.pk}/change/").content.decode()
    assert delivery.webhook_id in page and "502" in page
    browser.post("/admin/webhooks/webhookdelivery/", {"action": "redeliver", "_selected_action": [delivery.pk]})
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.attempts == 0
