"""Dynamic Registration through one-time links an administrator issues, against the independent platform."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests
from django.test import Client
from django.utils import timezone
from lti_tool.models import LtiRegistration

from quizsite.lti.models import RegistrationLink

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def issue_link(admin_user, live_server):
    """Issue a registration link in the admin; returns its URL on the live server."""

    def issue(label: str = "University Canvas") -> str:
        staff = Client()
        staff.force_login(admin_user)
        page = staff.post("/admin/lti/registrationlink/add/", {"label": label}, follow=True).content.decode()
        return re.search(r"<code id='registration-link'>([^<]+)</code>", page)[1].replace(
            "http://testserver", live_server.url
        )

    return issue


def test_a_platform_registers_from_a_link_and_gets_an_active_registration_and_deployment(lti_platform, issue_link):
    page = requests.get(lti_platform.registration_start_url(issue_link()), timeout=20)
    assert page.status_code == 200 and "org.imsglobal.lti.close" in page.text
    registration = LtiRegistration.objects.get(issuer=lti_platform.issuer)
    assert registration.is_active and registration.token_url == f"{lti_platform.base_url}/token"
    [deployment] = registration.deployments.all()
    assert deployment.is_active
    [tool] = lti_platform.state()["tools"].values()
    assert tool["client_id"] == registration.client_id
    assert set(tool["scopes"]) >= {
        "https://purl.imsglobal.org/spec/lti-ags/scope/score",
        "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
    }
    link = RegistrationLink.objects.get()
    assert link.used_at is not None and link.registration == registration
    assert registration.client_id not in link.token_hash  # only a hash of the token is kept


def test_a_link_works_once(lti_platform, issue_link):
    url = issue_link()
    requests.get(lti_platform.registration_start_url(url), timeout=20)
    again = requests.get(lti_platform.registration_start_url(url), timeout=20)
    assert again.status_code == 403 and "already used" in again.text
    assert LtiRegistration.objects.count() == 1


def test_an_expired_link_is_refused_before_anything_is_fetched(lti_platform, issue_link):
    url = issue_link()
    RegistrationLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert requests.get(lti_platform.registration_start_url(url), timeout=20).status_code == 403
    assert lti_platform.state()["tools"] == {}


def test_a_made_up_link_is_refused_and_fetches_nothing(lti_platform, live_server):
    url = lti_platform.registration_start_url(f"{live_server.url}/lti/register/made-up/")
    assert requests.get(url, timeout=20).status_code == 403
    assert lti_platform.state()["tools"] == {}


def test_a_failed_registration_leaves_the_link_usable(lti_platform, issue_link):
    url = issue_link()
    lti_platform.stop()
    config = f"{lti_platform.base_url}/.well-known/openid-configuration"
    failed = requests.get(f"{url}?openid_configuration={config}&registration_token=x", timeout=20)
    assert failed.status_code == 400 and "Could not read the platform" in failed.text
    lti_platform.start()
    assert requests.get(lti_platform.registration_start_url(url), timeout=20).status_code == 200


def test_a_configuration_not_served_under_its_issuer_is_refused(lti_platform, issue_link):
    url = lti_platform.registration_start_url(issue_link()).replace(
        f"openid_configuration=http%3A%2F%2F127.0.0.1%3A{lti_platform.port}",
        f"openid_configuration=http%3A%2F%2Flocalhost%3A{lti_platform.port}",
    )
    page = requests.get(url, timeout=20)
    assert page.status_code == 400 and "issuer" in page.text


def test_a_registration_token_the_platform_does_not_know_is_a_clear_error(lti_platform, issue_link):
    config = f"{lti_platform.base_url}/.well-known/openid-configuration"
    url = f"{issue_link()}?openid_configuration={config}&registration_token=nope"
    page = requests.get(url, timeout=20)
    assert page.status_code == 400 and "could not be opened" in page.text


def test_the_link_is_shown_once_and_only_to_the_admin(admin_user, client):
    client.force_login(admin_user)
    client.post("/admin/lti/registrationlink/add/", {"label": "Moodle"}, follow=True)
    link = RegistrationLink.objects.get()
    listing = client.get(f"/admin/lti/registrationlink/{link.pk}/change/").content.decode()
    assert "registration-link" not in listing and link.token_hash not in listing
