"""Instructors manage API clients in the admin: the key is shown once on creation and on rotation."""

import re

import pytest
from django.test import Client

from quizsite.accounts.models import ApiClient
from quizsite.accounts.services import api_client_for_key

pytestmark = pytest.mark.django_db
KEY = re.compile(r"gg_[0-9a-f]+_[\w-]+")


@pytest.fixture
def head(django_user_model):
    return django_user_model.objects.create_superuser(username="head", password="pw-head-123456")


@pytest.fixture
def admin_browser(head) -> Client:
    browser = Client()
    browser.force_login(head)
    return browser


def test_adding_a_client_shows_its_key_once(admin_browser, head):
    page = admin_browser.post(
        "/admin/accounts/apiclient/add/",
        {"name": "Canvas", "owner": head.pk, "scopes": ["read:grades"], "is_active": "on"},
        follow=True,
    )
    key = KEY.search(page.content.decode())[0]
    client = api_client_for_key(key)
    assert client.name == "Canvas" and client.scopes == ["read:grades"]
    listing = admin_browser.get("/admin/accounts/apiclient/").content.decode()
    assert key not in listing and client.key_prefix in listing


def test_rotating_shows_a_new_key_and_revokes_the_old(admin_browser, lms):
    client, old_key = lms
    page = admin_browser.post(
        "/admin/accounts/apiclient/",
        {"action": "rotate_keys", "_selected_action": [client.pk]},
        follow=True,
    )
    new_key = KEY.search(page.content.decode())[0]
    assert api_client_for_key(old_key) is None and api_client_for_key(new_key) == ApiClient.objects.get()
