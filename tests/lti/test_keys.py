"""The tool's signing keys: made on first use, rotated without breaking tokens signed just before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from lti_tool.models import Key

from quizsite.lti.keys import keys_rotate, public_key_set, signing_key, signing_kid

pytestmark = pytest.mark.django_db


def _kids() -> list[str]:
    return sorted(key["kid"] for key in public_key_set()["keys"])


def test_the_first_key_is_made_on_first_use_and_kept():
    first = signing_key()
    assert signing_key() == first and _kids() == [signing_kid(first)]


def test_after_a_rotation_the_new_key_signs_and_the_old_one_is_still_published():
    old = signing_key()
    new = keys_rotate(retire_after=timedelta(days=7))
    assert signing_key() == new
    assert _kids() == sorted([signing_kid(old), signing_kid(new)])


def test_a_key_replaced_longer_ago_than_the_grace_period_is_retired_at_the_next_rotation():
    oldest = signing_key()
    middle = keys_rotate(retire_after=timedelta(days=7))
    Key.objects.filter(pk=oldest.pk).update(datetime_created=timezone.now() - timedelta(days=10))
    Key.objects.filter(pk=middle.pk).update(datetime_created=timezone.now() - timedelta(days=8))
    newest = keys_rotate(retire_after=timedelta(days=7))
    assert _kids() == sorted([signing_kid(middle), signing_kid(newest)])
    assert not Key.objects.get(pk=oldest.pk).is_active


def test_a_key_old_in_itself_but_signing_until_now_is_not_retired():
    only = signing_key()
    Key.objects.filter(pk=only.pk).update(datetime_created=timezone.now() - timedelta(days=300))
    new = keys_rotate(retire_after=timedelta(days=7))
    assert _kids() == sorted([signing_kid(only), signing_kid(new)])


def test_the_jwks_endpoint_serves_every_active_key(client):
    signing_key()
    keys_rotate(retire_after=timedelta(days=7))
    response = client.get("/lti/jwks/")
    assert response["Content-Type"] == "application/json" and len(response.json()["keys"]) == 2
