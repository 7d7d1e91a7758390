"""API clients: keys are stored hashed, checked exactly, rotated; external learners are created once."""

import pytest

from quizsite.accounts import services
from quizsite.accounts.models import ApiClient, ExternalLearner

pytestmark = pytest.mark.django_db


def test_the_key_is_not_stored_only_its_prefix_and_digest(lms):
    client, key = lms
    stored = ApiClient.objects.get(pk=client.pk)
    assert key.startswith("gg_") and key not in (stored.key_hash, stored.key_prefix)
    assert stored.key_prefix in key and len(stored.key_hash) == 64


def test_a_key_finds_its_client_and_a_tampered_key_does_not(lms):
    client, key = lms
    assert services.api_client_for_key(key) == client
    assert services.api_client_for_key(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert services.api_client_for_key("gg_nope_nope") is None
    assert services.api_client_for_key("Token-like-string") is None


def test_an_inactive_client_is_refused(lms):
    client, key = lms
    ApiClient.objects.filter(pk=client.pk).update(is_active=False)
    assert services.api_client_for_key(key) is None


def test_rotating_the_key_revokes_the_old_one(lms):
    client, old_key = lms
    new_key = services.api_client_rotate_key(client=client)
    assert services.api_client_for_key(old_key) is None
    assert services.api_client_for_key(new_key) == client


def test_each_client_gets_a_service_account_without_a_password(lms):
    client, _ = lms
    assert not client.service_user.has_usable_password()
    assert not client.service_user.is_staff


def test_unknown_scopes_are_refused(instructor):
    with pytest.raises(ValueError, match="unknown scopes"):
        services.api_client_create(name="x", owner=instructor, scopes=["read:everything"])


def test_an_external_learner_is_created_on_first_use_and_reused(lms, instructor):
    client, _ = lms
    first = services.external_learner_user(client=client, external_id="moodle-17")
    again = services.external_learner_user(client=client, external_id="moodle-17")
    assert first == again and not first.has_usable_password()
    other_client, _ = services.api_client_create(name="Other", owner=instructor, scopes=[])
    elsewhere = services.external_learner_user(client=other_client, external_id="moodle-17")
    assert elsewhere != first, "the same id at two clients is two learners"
    assert ExternalLearner.objects.filter(external_id="moodle-17").count() == 2


def test_a_very_long_external_id_still_gets_a_valid_username(lms):
    client, _ = lms
    user = services.external_learner_user(client=client, external_id="x" * 255)
    assert len(user.username) <= 150


@pytest.mark.parametrize("bad", ["", "has space", "é-accent", "x" * 256, "tab\there"])
def test_malformed_external_ids_are_refused(lms, bad):
    client, _ = lms
    with pytest.raises(services.InvalidExternalId):
        services.external_learner_user(client=client, external_id=bad)


def test_a_shortened_long_id_cannot_collide_with_a_literal_one(lms):
    import hashlib

    client, _ = lms
    long_id = "y" * 200
    first = services.external_learner_user(client=client, external_id=long_id)
    lookalike = hashlib.sha256(long_id.encode()).hexdigest()[:40]
    second = services.external_learner_user(client=client, external_id=lookalike)
    assert first != second
    assert ExternalLearner.objects.get(external_id=lookalike).user == second
