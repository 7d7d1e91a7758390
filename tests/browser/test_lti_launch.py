"""An LTI launch in real Chromium: inside the platform's iframe the activity offers a new window (our pages are
never framed and the iframe may have no cookies), which opens the exercise signed in; a launch that is the
whole window goes straight to the exercise. The platform is the independent one, in its own process."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.helpers import make_lti_link

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def launch_url(lti_platform, live_server, learner, synced):
    link = make_lti_link(lti_platform, live_server.url, learners=[learner])
    registration = link.line_item.context.deployment.registration
    return lti_platform.launch_url(
        client_id=registration.client_id,
        user_id="ada",
        resource_link_id="rl-1",
        given_name="Ada",
        target_link_uri=f"{live_server.url}/exercises/inverted-dropout/",
    )


def test_a_launch_in_the_platforms_iframe_opens_the_exercise_in_a_new_window(
    page, lti_platform, launch_url, live_server
):
    page.goto(f"{lti_platform.base_url}/jwks")  # the top window is the platform's
    page.set_content(f'<h1>Course 1</h1><iframe id="tool" src="{launch_url}" width="900" height="500"></iframe>')
    frame = page.frame_locator("#tool")
    button = frame.get_by_role("link", name="Open Inverted dropout in a new window")
    expect(button).to_be_visible(timeout=15000)
    with page.context.expect_page() as opened:
        button.click()
    window = opened.value
    window.wait_for_load_state()
    assert window.url.endswith("/exercises/inverted-dropout/")
    expect(window.locator(".who")).to_have_text("ada")
    expect(window.locator("#submit-form")).to_be_visible()
    # The one-time link cannot be opened again, in the frame or anywhere.
    window.goto(live_server.url + button.get_attribute("href"))
    expect(window.get_by_text("This link has expired or was already used")).to_be_visible()


def test_a_launch_that_is_the_whole_window_goes_straight_to_the_exercise(page, launch_url):
    page.goto(launch_url)
    page.wait_for_url("**/exercises/inverted-dropout/", timeout=15000)
    expect(page.locator(".who")).to_have_text("ada")
