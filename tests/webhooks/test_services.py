"""Events become one delivery per subscribed endpoint; sending retries on failure with the same
webhook-id, gives up after the schedule, and can be redone on demand. Deliveries go over real HTTP."""

import json
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from quizsite.accounts.services import external_learner_user
from quizsite.learning import services as learning
from quizsite.webhooks import services
from quizsite.webhooks.models import WebhookDelivery
from tests.helpers import graded_through_services
from tests.webhook_receiver import WebhookReceiver

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]
ALLOW_LOCAL = override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=True, WEBHOOK_RETRY_DELAYS=[1, 2])


def _one_delivery(client, exercise, url: str) -> WebhookDelivery:
    """An endpoint at ``url`` for graded submissions, then one graded submission of learner s-1: its delivery."""
    services.endpoint_create(client=client, url=url, events=["submission.graded"])
    graded_through_services(external_learner_user(client=client, external_id="s-1"), exercise)
    return WebhookDelivery.objects.get()


def _due_now(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


@ALLOW_LOCAL
def test_a_graded_submission_reaches_only_endpoints_subscribed_to_it(lms, dropout):
    client, _ = lms
    graded = services.endpoint_create(client=client, url="http://127.0.0.1:9/a", events=["submission.graded"])
    services.endpoint_create(client=client, url="http://127.0.0.1:9/b", events=["attempt.submitted"])
    learner = external_learner_user(client=client, external_id="s-1")
    submission = graded_through_services(learner, dropout, score=0.75, verdict="wrong_answer")
    delivery = WebhookDelivery.objects.get()
    assert delivery.endpoint == graded and delivery.event_type == "submission.graded"
    message = json.loads(delivery.payload)
    assert message["type"] == "submission.graded"
    learner_named = {"username": learner.username, "external_id": "s-1"}
    expected = {"id": str(submission.pk), "learner": learner_named, "score": 0.75, "passed": False}
    assert message["data"].items() >= expected.items()


@ALLOW_LOCAL
def test_learners_outside_any_client_and_practice_runs_send_nothing(lms, learner, dropout):
    client, _ = lms
    services.endpoint_create(client=client, url="http://127.0.0.1:9/a", events=["submission.graded"])
    graded_through_services(learner, dropout)
    graded_through_services(external_learner_user(client=client, external_id="s-1"), dropout, examples_only=True)
    assert not WebhookDelivery.objects.exists()


@ALLOW_LOCAL
def test_a_system_error_is_a_failed_event(lms, dropout):
    client, _ = lms
    services.endpoint_create(client=client, url="http://127.0.0.1:9/a", events=["submission.failed"])
    submission = learning.submission_create(
        user=external_learner_user(client=client, external_id="s-1"), exercise=dropout, code="x = 1\n"
    )
    _, token = learning.submission_claim(submission_id=submission.pk)
    learning.submission_fail(submission_id=submission.pk, token=token, reason="sandbox unavailable")
    assert json.loads(WebhookDelivery.objects.get().payload)["data"]["verdict"] == "system_error"


@ALLOW_LOCAL
def test_a_failed_attempt_is_retried_with_the_same_id_until_acknowledged(lms, dropout):
    client, _ = lms
    with WebhookReceiver(fail_first=1) as receiver:
        delivery = _one_delivery(client, dropout, receiver.url)
        receiver.secret = delivery.endpoint.secret
        assert services.delivery_send(delivery_id=delivery.pk) == "retrying"
        delivery.refresh_from_db()
        assert delivery.last_status_code == 503 and delivery.next_attempt_at > timezone.now()
        assert services.delivery_send(delivery_id=delivery.pk) == "skipped", "not due yet"
        _due_now(delivery)
        assert services.delivery_send(delivery_id=delivery.pk) == "delivered"
    ids = {request["headers"]["webhook-id"] for request in receiver.requests}
    assert ids == {delivery.webhook_id} and len(receiver.requests) == 2
    assert receiver.bad_signatures == 0 and len(receiver.events) == 1
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.log.count() == 2


@ALLOW_LOCAL
def test_it_gives_up_after_the_retry_schedule_and_can_be_redelivered(lms, dropout):
    client, _ = lms
    with WebhookReceiver(fail_first=3) as receiver:
        delivery = _one_delivery(client, dropout, receiver.url)
        receiver.secret = delivery.endpoint.secret
        outcomes = []
        for _ in range(3):  # the first attempt and one per retry delay (two in this test)
            _due_now(delivery)
            outcomes.append(services.delivery_send(delivery_id=delivery.pk))
        assert outcomes == ["retrying", "retrying", "failed"]
        services.delivery_redeliver(delivery=delivery)
        assert services.delivery_send(delivery_id=delivery.pk) == "delivered"
    assert len(receiver.events) == 1


@ALLOW_LOCAL
def test_an_unreachable_endpoint_is_logged_as_an_error(lms, dropout):
    client, _ = lms
    delivery = _one_delivery(client, dropout, "http://127.0.0.1:9/closed")
    assert services.delivery_send(delivery_id=delivery.pk) == "retrying"
    attempt = delivery.log.get()
    assert attempt.status_code is None and "refused" in attempt.error.lower()


def test_private_addresses_are_refused_in_production(lms):
    client, _ = lms
    with override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=False):
        for url in ["http://127.0.0.1/x", "http://10.0.0.8/x", "http://[::1]/x", "http://169.254.169.254/latest"]:
            with pytest.raises(services.InvalidEndpoint):
                services.endpoint_create(client=client, url=url, events=["submission.graded"])


@pytest.mark.parametrize(
    ("url", "events", "field"),
    [
        ("ftp://example.org/x", ["submission.graded"], "url"),
        ("/relative", ["submission.graded"], "url"),
        ("https://example.org/x", [], "events"),
        ("https://example.org/x", ["submission.deleted"], "events"),
    ],
)
def test_bad_endpoints_name_the_field(lms, url, events, field):
    client, _ = lms
    with pytest.raises(services.InvalidEndpoint) as refused:
        services.endpoint_create(client=client, url=url, events=events)
    assert refused.value.field == field


@ALLOW_LOCAL
def test_the_sweep_picks_up_due_deliveries_that_no_worker_holds(lms, dropout, django_capture_on_commit_callbacks):
    client, _ = lms
    held = _one_delivery(client, dropout, "http://127.0.0.1:9/a")
    graded_through_services(external_learner_user(client=client, external_id="s-2"), dropout)
    WebhookDelivery.objects.filter(pk=held.pk).update(claimed_until=timezone.now() + timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.deliveries_due_send() == 1
    assert len(callbacks) == 1


@ALLOW_LOCAL
@pytest.mark.parametrize("receiver_knows", ["old", "new"])
def test_after_a_rotation_receivers_with_either_secret_verify_for_a_day(lms, dropout, receiver_knows):
    client, _ = lms
    with WebhookReceiver() as receiver:
        endpoint = services.endpoint_create(client=client, url=receiver.url, events=["submission.graded"])
        old = endpoint.secret
        services.endpoint_rotate_secret(endpoint=endpoint)
        receiver.secret = old if receiver_knows == "old" else endpoint.secret
        graded_through_services(external_learner_user(client=client, external_id="s-1"), dropout)
        assert services.delivery_send(delivery_id=WebhookDelivery.objects.get().pk) == "delivered"
    assert receiver.bad_signatures == 0 and len(receiver.events) == 1


@ALLOW_LOCAL
def test_once_the_overlap_ends_only_the_new_secret_signs(lms, dropout):
    client, _ = lms
    with WebhookReceiver() as receiver:
        endpoint = services.endpoint_create(client=client, url=receiver.url, events=["submission.graded"])
        receiver.secret = endpoint.secret
        services.endpoint_rotate_secret(endpoint=endpoint)
        endpoint.previous_secret_expires_at = timezone.now() - timedelta(seconds=1)
        endpoint.save()
        graded_through_services(external_learner_user(client=client, external_id="s-1"), dropout)
        assert services.delivery_send(delivery_id=WebhookDelivery.objects.get().pk) == "retrying"
    assert receiver.bad_signatures == 1, "a receiver still on the old secret is refused"
    assert len(receiver.requests[0]["headers"]["webhook-signature"].split()) == 1


class _RawReceiver:
    """A TCP server that answers every connection with fixed bytes, however wrong."""

    def __init__(self, answer: bytes) -> None:
        import socket
        import threading

        self.answer = answer
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}/hook"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                connection.recv(65536)
                connection.sendall(self.answer)


@ALLOW_LOCAL
@pytest.mark.parametrize(
    "answer", [b"garbage\r\n", b"HTTP/1.1 500 Oops\r\nContent-Length: 5\r\n\r\nx\x00y\x00z"], ids=["not-http", "nul"]
)
def test_a_receiver_answering_nonsense_is_a_failed_attempt_not_a_crash(lms, dropout, answer):
    client, _ = lms
    receiver = _RawReceiver(answer)
    delivery = _one_delivery(client, dropout, receiver.url)
    assert services.delivery_send(delivery_id=delivery.pk) == "retrying"
    assert delivery.log.count() == 1
    receiver.server.close()


@ALLOW_LOCAL
def test_a_paused_endpoint_holds_its_deliveries_until_resumed(lms, dropout):
    client, _ = lms
    endpoint = services.endpoint_create(client=client, url="http://127.0.0.1:9/a", events=["submission.graded"])
    services.endpoint_update(endpoint=endpoint, is_active=False)
    graded_through_services(external_learner_user(client=client, external_id="s-1"), dropout)
    assert not WebhookDelivery.objects.exists(), "a paused endpoint gets no new events"
    services.endpoint_update(endpoint=endpoint, is_active=True)
    graded_through_services(external_learner_user(client=client, external_id="s-2"), dropout)
    delivery = WebhookDelivery.objects.get()
    services.endpoint_update(endpoint=endpoint, is_active=False)
    assert services.delivery_send(delivery_id=delivery.pk) == "skipped"
    assert services.deliveries_due_send() == 0
    services.endpoint_update(endpoint=endpoint, is_active=True)
    assert services.delivery_send(delivery_id=delivery.pk) == "retrying", "sent once resumed (port 9 refuses)"


@ALLOW_LOCAL
def test_a_deactivated_client_hears_nothing_more(lms, dropout):
    client, _ = lms
    services.endpoint_create(client=client, url="http://127.0.0.1:9/a", events=["submission.graded"])
    learner = external_learner_user(client=client, external_id="s-1")
    client.is_active = False
    client.save()
    graded_through_services(learner, dropout)
    assert not WebhookDelivery.objects.exists()


@ALLOW_LOCAL
def test_a_delivery_in_flight_cannot_be_reset(lms, dropout):
    client, _ = lms
    delivery = _one_delivery(client, dropout, "http://127.0.0.1:9/a")
    WebhookDelivery.objects.filter(pk=delivery.pk).update(claimed_until=timezone.now() + timedelta(minutes=1))
    with pytest.raises(services.DeliveryBusy):
        services.delivery_redeliver(delivery=delivery)


def test_an_endpoint_that_turns_private_after_registration_is_refused_at_send_time(lms, dropout, settings):
    client, _ = lms
    with WebhookReceiver() as receiver:
        settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
        services.endpoint_create(client=client, url=receiver.url, events=["submission.graded"])
        settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
        graded_through_services(external_learner_user(client=client, external_id="s-1"), dropout)
        delivery = WebhookDelivery.objects.get()
        assert services.delivery_send(delivery_id=delivery.pk) == "retrying"
    assert receiver.requests == [] and "refused" in delivery.log.get().error
