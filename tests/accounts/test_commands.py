"""``create_api_client`` prints a working key once and refuses bad owners and scopes."""

import io

import pytest
from django.core.management import CommandError, call_command

from quizsite.accounts.models import ApiClient
from quizsite.accounts.services import api_client_for_key

pytestmark = pytest.mark.django_db


def test_it_prints_a_key_that_authenticates_with_the_scopes_asked_for(instructor):
    out = io.StringIO()
    call_command("create_api_client", "Moodle", "--owner", "prof", "--scopes", "read:content,read:grades", stdout=out)
    client = api_client_for_key(out.getvalue().strip())
    assert client.name == "Moodle" and client.scopes == ["read:content", "read:grades"]


def test_a_learner_cannot_own_a_client(learner):
    with pytest.raises(CommandError, match="no instructor"):
        call_command("create_api_client", "x", "--owner", "ada")
    assert not ApiClient.objects.exists()


def test_unknown_scopes_are_refused(instructor):
    with pytest.raises(CommandError, match="unknown scopes"):
        call_command("create_api_client", "x", "--owner", "prof", "--scopes", "write:everything")
