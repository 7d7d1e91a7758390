"""LTI 1.3 end to end against an independent platform (lti1p3platform, in its own process).

Real parts: the tool under the live server (``localhost``), the platform on ``127.0.0.1`` (so cookies do not
mix), a requests session as the browser, PostgreSQL, Redis and a Celery worker process (grading and grade
passback), the sandbox. The platform checks what it can; what it does not (redirect_uri, the token's ``aud``,
score timestamps) its harness or these tests assert.
"""

from __future__ import annotations

import re
import time
from datetime import datetime

import pytest
import requests
from django.contrib.auth import get_user_model
from django.test import Client
from lti_tool.models import LtiRegistration

from quizsite.courses.models import Assignment, Enrolment
from quizsite.lti.models import CourseContext, ScorePassback
from quizsite.lti.roster import roster_sync
from tests.helpers import exercise_file, lti_register_by_hand
from tests.lti.platform.harness import submit_form

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]


def _wait_for(what, condition, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Browser:
    """A person's browser: one cookie jar, follows what the platform's and the tool's pages do by themselves."""

    def __init__(self, tool: str) -> None:
        self.session = requests.Session()
        self.tool = tool
        self.last_launch_form: dict[str, str] = {}

    def authorise(self, url: str) -> requests.Response:
        """Open a platform launch link up to the platform's signed answer (login initiation at the tool,
        the tool's redirect to the platform, which answers with a form that would POST the id_token)."""
        to_login = self.session.get(url, timeout=10)
        return submit_form(self.session, to_login)

    def launch(self, url: str) -> requests.Response:
        """Open a platform launch link: the tool's answer (or its page refusing the login)."""
        to_launch = self.authorise(url)
        if to_launch.url.startswith(self.tool):
            return to_launch
        self.last_launch_form = launch_fields(to_launch)
        return submit_form(self.session, to_launch)

    def open_activity(self, launch_page: requests.Response) -> requests.Response:
        continue_path = re.search(
            r'id="open-activity"[^>]*href="([^"]+)"|href="([^"]+)"[^>]*id="open-activity"', launch_page.text
        )
        href = continue_path[1] or continue_path[2]
        return self.session.get(self.tool + href, timeout=10)

    def submit(self, slug: str, code: str) -> str:
        page = self.session.get(f"{self.tool}/exercises/{slug}/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
        response = self.session.post(
            f"{self.tool}/api/v1/exercises/{slug}/submissions/",
            json={"code": code},
            headers={"X-CSRFToken": token, "Referer": page.url},
            timeout=10,
        )
        assert response.status_code == 202, response.text
        return response.json()["id"]


def launch_fields(page: requests.Response) -> dict[str, str]:
    """The id_token and state the platform's auto-submitting page would POST to the tool."""
    return dict(re.findall(r'name="(id_token|state)" value="([^"]+)"', page.text))


def _scores(platform, user_id: str) -> list[dict]:
    return [score for score in platform.state()["scores"] if score.get("userId") == user_id]


def test_register_add_launch_submit_and_the_grade_arrives(lti_platform, live_server, celery_worker_process, synced):
    tool = live_server.url
    platform = lti_platform

    # An administrator issues a one-time registration link; the platform registers from it (Dynamic
    # Registration) and can launch at once. Deactivated, its launches get a page saying so.
    admin = get_user_model().objects.create_superuser(username="head", password="pw-head-123456")
    staff = Client()
    staff.force_login(admin)
    issued = staff.post("/admin/lti/registrationlink/add/", {"label": "Test platform"}, follow=True)
    link = re.search(r"<code id='registration-link'>([^<]+)</code>", issued.content.decode())[1]
    assert link.startswith("http://testserver/lti/register/")
    link = link.replace("http://testserver", tool)
    registered = requests.get(platform.registration_start_url(link), timeout=20)
    assert registered.status_code == 200, registered.text[:500]
    assert "org.imsglobal.lti.close" in registered.text
    again = requests.get(platform.registration_start_url(link), timeout=20)
    assert again.status_code == 403 and "already used" in again.text
    registration = LtiRegistration.objects.get(issuer=platform.issuer)
    [tool_record] = platform.state()["tools"].values()
    assert tool_record["redirect_uris"] == [f"{tool}/lti/launch/"]
    assert tool_record["initiate_login_uri"] == f"{tool}/lti/login/"
    client_id = registration.client_id
    deep_link = {
        "client_id": client_id,
        "user_id": "teacher-1",
        "roles": ("Instructor",),
        "target_link_uri": f"{tool}/lti/launch/",
        "message_type": "LtiDeepLinkingRequest",
    }
    staff.post("/admin/lti_tool/ltiregistration/", {"action": "deactivate", "_selected_action": [registration.pk]})
    refused = Browser(tool).launch(platform.launch_url(**deep_link))
    assert refused.status_code == 403 and "not been activated" in refused.text
    staff.post("/admin/lti_tool/ltiregistration/", {"action": "activate", "_selected_action": [registration.pk]})

    # Deep linking: the instructor picks an exercise; the platform gets a resource link with a line item.
    teacher = Browser(tool)
    picker = teacher.launch(platform.launch_url(**deep_link))
    assert picker.status_code == 200 and "Add to" in picker.text, picker.text[:500]
    launch_id = re.search(r'name="launch_id" value="([^"]+)"', picker.text)[1]
    returned = teacher.session.post(
        f"{tool}/lti/deep-link/", data={"launch_id": launch_id, "exercise": "inverted-dropout"}, timeout=10
    )
    added = submit_form(teacher.session, returned)
    assert added.ok, added.text[:500]
    state = platform.state()
    [item] = state["deep_link_items"]
    assignment = Assignment.objects.get(course__lti_context__context__id_on_platform="course-1")
    assert assignment.exercise.slug == "inverted-dropout"
    [line_item] = [li for li in state["line_items"] if li.get("resourceLinkId") == item["resource_link_id"]]
    assert (
        line_item["scoreMaximum"] == assignment.points and line_item["tag"] == "gradient-gym:exercise:inverted-dropout"
    )

    # A learner launches the new link, is enrolled, opens the exercise and submits.
    learner = Browser(tool)
    launch_page = learner.launch(
        platform.launch_url(
            client_id=client_id,
            user_id="learner-1",
            given_name="Ada",
            resource_link_id=item["resource_link_id"],
            target_link_uri=item["url"],
            custom=item.get("custom"),
        )
    )
    assert launch_page.status_code == 200, launch_page.text[:500]
    exercise = learner.open_activity(launch_page)
    assert exercise.url == f"{tool}/exercises/inverted-dropout/"
    account = get_user_model().objects.get(lti_users__sub="learner-1")
    assert Enrolment.objects.get(user=account, course=assignment.course).role == Enrolment.Role.LEARNER
    learner.submit("inverted-dropout", exercise_file("inverted-dropout", "solution.py"))

    final = _wait_for(
        "a fully graded score",
        lambda: [s for s in _scores(platform, "learner-1") if s["gradingProgress"] == "FullyGraded"],
    )
    scores = _scores(platform, "learner-1")
    assert scores[0]["gradingProgress"] == "Pending" and scores[0]["activityProgress"] == "Submitted"
    assert final[-1]["scoreGiven"] == assignment.points and final[-1]["scoreMaximum"] == assignment.points
    assert final[-1]["activityProgress"] == "Completed"
    stamps = [datetime.fromisoformat(s["timestamp"]) for s in scores]
    assert (
        all(stamp.tzinfo is not None for stamp in stamps)
        and stamps == sorted(stamps)
        and len(set(stamps)) == len(stamps)
    )
    assert platform.state()["rejected_scores"] == []
    tokens_after_first = platform.state()["token_requests"]

    # The platform is down when the next grade is ready: it waits, then arrives.
    platform.stop()
    learner.submit("inverted-dropout", exercise_file("inverted-dropout", "wrong/backward_ignores_mask.py"))
    row = ScorePassback.objects.get(lti_user__sub="learner-1")
    _wait_for(
        "a failing send", lambda: ScorePassback.objects.filter(pk=row.pk, status="failing", attempts__gte=2).exists()
    )
    assert "failed" in ScorePassback.objects.get(pk=row.pk).last_error
    platform.start()
    _wait_for("the delayed score", lambda: ScorePassback.objects.filter(pk=row.pk, status="sent").exists(), timeout=30)
    latest = _scores(platform, "learner-1")[-1]
    assert (
        latest["gradingProgress"] == "FullyGraded" and latest["scoreGiven"] == assignment.points
    )  # best attempt counts
    assert platform.state()["token_requests"] <= tokens_after_first + 1  # the token was reused until it expired

    # Replays and forgeries of the learner's launch get a page, not a session.
    replay = learner.session.post(f"{tool}/lti/launch/", data=learner.last_launch_form, timeout=10)
    assert replay.status_code == 400 and "could not be opened" in replay.text
    link = {
        "client_id": client_id,
        "user_id": "learner-1",
        "resource_link_id": item["resource_link_id"],
        "target_link_uri": item["url"],
        "custom": item.get("custom"),
    }
    forger = Browser(tool)
    forged = launch_fields(forger.authorise(platform.launch_url(**link)))
    header, body, signature = forged["id_token"].split(".")
    forged["id_token"] = ".".join([header, body, signature[:-8] + ("A" * 8 if signature[-8:] != "A" * 8 else "B" * 8)])
    refused = forger.session.post(f"{tool}/lti/launch/", data=forged, timeout=10)
    assert refused.status_code == 400 and "Signature verification failed" in refused.text
    platform.set_config(id_token_expires_in=-120)
    late = Browser(tool)
    expired = late.session.post(
        f"{tool}/lti/launch/", data=launch_fields(late.authorise(platform.launch_url(**link))), timeout=10
    )
    assert expired.status_code == 400 and "expired" in expired.text


def test_roster_sync_enrols_every_page_of_members(lti_platform, live_server, synced):
    tool, platform = live_server.url, lti_platform
    registration = lti_register_by_hand(platform, tool)
    members = [{"user_id": f"s{i}", "roles": ["Learner"], "name": f"Student {i}", "status": "Active"} for i in range(5)]
    members.append({"user_id": "t1", "roles": ["Instructor"], "name": "Teacher", "status": "Active"})
    members.append({"user_id": "gone", "roles": ["Learner"], "name": "Gone", "status": "Inactive"})
    platform.set_roster("course-1", members)
    learner = Browser(tool)
    page = learner.launch(
        platform.launch_url(
            client_id=registration.client_id,
            user_id="s0",
            target_link_uri=f"{tool}/exercises/inverted-dropout/",
            resource_link_id="link-9",
        )
    )
    assert page.status_code == 200, page.text[:500]
    course_context = CourseContext.objects.get()
    assert roster_sync(course_context=course_context) == 6
    roles = dict(Enrolment.objects.filter(course=course_context.course).values_list("user__lti_users__sub", "role"))
    assert roles == {**{f"s{i}": "learner" for i in range(5)}, "t1": "instructor"}
    from quizsite.lti.selectors import learners_not_started

    assert len(learners_not_started(course_context.course)) == 5
