"""Roster sync (NRPS) against the independent platform: every page, roles, inactive members, failures."""

from __future__ import annotations

import pytest

from quizsite.courses.models import Enrolment
from quizsite.lti import platform
from quizsite.lti.models import CourseContext
from quizsite.lti.roster import roster_sync, rosters_sync_all
from tests.helpers import make_lti_link

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def course_context(lti_platform, live_server, instructor, synced) -> CourseContext:
    make_lti_link(lti_platform, live_server.url, instructors=[instructor])
    return CourseContext.objects.select_related("context", "course").get()


def test_members_on_every_page_are_enrolled_with_their_roles(course_context, lti_platform):
    members = [{"user_id": f"s{i}", "roles": ["Learner"], "given_name": f"S{i}", "status": "Active"} for i in range(4)]
    members += [
        {"user_id": "ta1", "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"]},
        {"user_id": "mentor", "roles": ["Mentor"]},
        {"user_id": "left", "roles": ["Learner"], "status": "Inactive"},
    ]
    lti_platform.set_roster("course-1", members)
    assert roster_sync(course_context=course_context) == 5
    enrolled = dict(Enrolment.objects.filter(course=course_context.course).values_list("user__lti_users__sub", "role"))
    assert enrolled == {"prof": "instructor", "ta1": "ta", **{f"s{i}": "learner" for i in range(4)}}
    course_context.refresh_from_db()
    assert course_context.roster_synced_at is not None and course_context.roster_error == ""


def test_a_second_sync_changes_roles_and_keeps_one_enrolment_each(course_context, lti_platform):
    lti_platform.set_roster("course-1", [{"user_id": "s1", "roles": ["Learner"]}])
    roster_sync(course_context=course_context)
    lti_platform.set_roster("course-1", [{"user_id": "s1", "roles": ["Instructor"]}])
    roster_sync(course_context=course_context)
    assert list(Enrolment.objects.filter(user__lti_users__sub="s1").values_list("role", flat=True)) == ["instructor"]


def test_a_platform_that_is_down_is_recorded_and_the_nightly_run_goes_on(course_context, lti_platform):
    lti_platform.set_down(True)
    with pytest.raises(platform.PlatformError):
        roster_sync(course_context=course_context)
    course_context.refresh_from_db()
    assert "503" in course_context.roster_error
    assert rosters_sync_all() == {"synced": 0, "failed": 1}
    lti_platform.set_down(False)
    assert rosters_sync_all() == {"synced": 1, "failed": 0}


def test_instructors_see_who_has_not_started(course_context, lti_platform, instructor, client):
    lti_platform.set_roster("course-1", [{"user_id": "s1", "roles": ["Learner"], "name": "Sam One"}])
    roster_sync(course_context=course_context)
    client.force_login(instructor)
    page = client.get(f"/admin/lti/coursecontext/{course_context.pk}/change/").content.decode()
    assert "Learners who have not started" in page and "Sam One" in page
