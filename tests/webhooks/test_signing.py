"""Our signatures verify with the reference Standard Webhooks library, and only for the exact message."""

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from quizsite.webhooks import signing


def _headers(secret: str, body: bytes, message_id: str = "msg_1") -> dict[str, str]:
    import time

    return signing.signed_headers([secret], message_id, int(time.time()), body)


def test_the_reference_implementation_accepts_our_signature():
    secret = signing.secret_new()
    body = b'{"type":"submission.graded","data":{"score":1.0}}'
    assert Webhook(secret).verify(body, _headers(secret, body)) == {"type": "submission.graded", "data": {"score": 1.0}}


def test_a_changed_body_fails_verification():
    secret = signing.secret_new()
    headers = _headers(secret, b'{"score":0.5}')
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(b'{"score":1.0}', headers)


def test_another_endpoints_secret_fails_verification():
    body = b"{}"
    headers = _headers(signing.secret_new(), body)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.secret_new()).verify(body, headers)


def test_the_signature_covers_the_message_id():
    secret = signing.secret_new()
    body = b"{}"
    headers = {**_headers(secret, body, "msg_1"), "webhook-id": "msg_2"}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, headers)


def test_during_a_rotation_either_secret_verifies():
    import time

    old, new = signing.secret_new(), signing.secret_new()
    body = b'{"type":"attempt.submitted"}'
    headers = signing.signed_headers([new, old], "msg_9", int(time.time()), body)
    assert Webhook(old).verify(body, headers) == Webhook(new).verify(body, headers) == {"type": "attempt.submitted"}
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.secret_new()).verify(body, headers)


def test_secrets_are_fresh_and_carry_the_prefix():
    first, second = signing.secret_new(), signing.secret_new()
    assert first != second and first.startswith("whsec_")
