"""Webhook endpoints through the API: a client registers, lists, changes and deletes its own, reads
the delivery log and asks for a redelivery."""

import pytest
from django.test import override_settings

from quizsite.accounts.services import api_client_create
from quizsite.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.helpers import key_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_local")]
URL = "/api/v1/webhooks/"


@pytest.fixture
def allow_local():
    with override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=True):
        yield


def _register(key: str, **overrides):
    body = {"url": "http://127.0.0.1:9/hooks", "events": ["submission.graded"], **overrides}
    return key_client(key).post(URL, body, format="json")


def test_a_retried_registration_with_its_idempotency_key_returns_the_first_endpoint(lms):
    _, key = lms
    body = {"url": "http://127.0.0.1:9/hooks", "events": ["submission.graded"]}
    first = key_client(key).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="hook-1")
    again = key_client(key).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="hook-1")
    other = key_client(key).post(URL, {**body, "url": "http://127.0.0.1:9/other"}, format="json",
                                 HTTP_IDEMPOTENCY_KEY="hook-1")  # fmt: skip
    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 422)
    assert again.json()["id"] == first.json()["id"] and again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert WebhookEndpoint.objects.count() == 1


def test_registering_returns_the_secret_once(lms):
    _, key = lms
    created = _register(key)
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    assert created["Location"].endswith(f"/api/v1/webhooks/{created.json()['id']}/")
    listed = key_client(key).get(URL).json()
    assert [row["id"] for row in listed] == [created.json()["id"]] and "secret" not in listed[0]


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"url": "ftp://x.org/a"}, "/url"),
        ({"events": []}, "/events"),
        ({"events": ["nope"]}, "/events/0"),
        ({"url": 7}, "/url"),
    ],
)
def test_invalid_endpoints_are_400_with_a_pointer(lms, body, pointer):
    _, key = lms
    response = _register(key, **body)
    assert response.status_code == 400
    assert pointer in [error["pointer"] for error in response.json()["errors"]]


def test_a_client_cannot_see_another_clients_endpoint(lms, instructor):
    _, key = lms
    endpoint_id = _register(key).json()["id"]
    _, other_key = api_client_create(name="Other", owner=instructor, scopes=["admin:webhooks"])
    assert key_client(other_key).get(f"{URL}{endpoint_id}/").status_code == 404
    assert key_client(other_key).delete(f"{URL}{endpoint_id}/").status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint_id).exists()


def test_an_endpoint_can_be_paused_retargeted_and_deleted(lms):
    _, key = lms
    endpoint_id = _register(key).json()["id"]
    changed = key_client(key).patch(
        f"{URL}{endpoint_id}/", {"is_active": False, "events": ["attempt.submitted"]}, format="json"
    )
    assert changed.status_code == 200
    assert changed.json()["is_active"] is False and changed.json()["events"] == ["attempt.submitted"]
    assert key_client(key).delete(f"{URL}{endpoint_id}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_the_delivery_log_and_redelivery(lms, django_capture_on_commit_callbacks):
    _, key = lms
    endpoint = WebhookEndpoint.objects.get(pk=_register(key).json()["id"])
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_type="submission.graded", payload='{"type":"submission.graded"}', status="failed"
    )
    log = key_client(key).get(f"{URL}{endpoint.pk}/deliveries/").json()["results"]
    assert [row["webhook_id"] for row in log] == [delivery.webhook_id]
    assert log[0]["payload"] == {"type": "submission.graded"}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = key_client(key).post(f"{URL}{endpoint.pk}/deliveries/{delivery.pk}/redeliver/")
    assert response.status_code == 202 and response.json()["status"] == "pending"
    assert len(callbacks) == 1


def test_rotating_the_secret_returns_a_new_one(lms):
    _, key = lms
    created = _register(key).json()
    rotated = key_client(key).post(f"{URL}{created['id']}/rotate-secret/")
    assert rotated.status_code == 200 and rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != created["secret"]
    assert WebhookEndpoint.objects.get(pk=created["id"]).previous_secret == created["secret"]


def test_people_cannot_manage_webhooks(instructor):
    from tests.helpers import token_client

    response = token_client(instructor).get(URL)
    assert response.status_code == 403 and "API clients" in response.json()["detail"]
