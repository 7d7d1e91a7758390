"""Writes for LTI launches: the local user behind a launch, the course its context is, the assignment its
resource link opens, and the assignments a deep linking response creates."""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import Resolver404, resolve, reverse
from lti_tool.models import LtiContext, LtiLaunch, LtiLineItem, LtiResourceLink, LtiUser

from quizsite.catalog.models import Exercise, Quiz
from quizsite.catalog.selectors import published_exercises, published_quizzes
from quizsite.courses.models import Assignment, Course, Enrolment
from quizsite.courses.services import enrolment_set
from quizsite.lti.models import CourseContext, LinkedAssignment

log = logging.getLogger(__name__)
Role = Enrolment.Role

_MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
_ASSISTANT_ROLES = {f"{_MEMBERSHIP}#TeachingAssistant", f"{_MEMBERSHIP}/Instructor#TeachingAssistant"}
_INSTRUCTOR_ROLES = {f"{_MEMBERSHIP}#{name}" for name in ("Instructor", "Administrator", "ContentDeveloper")}
# The custom parameter a deep-linked resource carries: the assignment it opens.
ASSIGNMENT_PARAMETER = "gym_assignment"


def course_role(roles: list[str]) -> str | None:
    """Our course role for an LTI roles claim: instructor, TA, learner, or None (a mentor or a guest)."""
    roles = [role if "/" in role else f"{_MEMBERSHIP}#{role}" for role in roles or []]
    if any(role in _ASSISTANT_ROLES for role in roles):
        return Role.TEACHING_ASSISTANT
    if any(role in _INSTRUCTOR_ROLES for role in roles):
        return Role.INSTRUCTOR
    if any(role == f"{_MEMBERSHIP}#Learner" or role.startswith(f"{_MEMBERSHIP}/Learner#") for role in roles):
        return Role.LEARNER
    return None


@dataclass(frozen=True)
class Landing:
    """Where an accepted launch goes, and as whom."""

    user: object
    course: Course
    role: str | None
    assignment: Assignment | None
    url: str


def launch_accept(lti_launch: LtiLaunch) -> Landing:
    """Find (or create) the local account of the launch's person, enrol them in the context's course with the
    role the launch claims, and find the page it opens (for a resource link, its assignment, created if new).

    Call it after django-lti has synced the launch's user, context and resource link. Raises ``ValueError``
    for a launch without a context: every launch must come from a course.
    """
    if not (lti_launch.context_claim or {}).get("id"):
        raise ValueError("the launch does not come from a course (it has no context)")
    with transaction.atomic():
        user = lti_user_account(lti_launch.user)
        course = context_course(lti_launch.context)
        role = course_role(lti_launch.roles_claim)
        if role is not None:
            enrolment_set(course=course, user=user, role=role)
            if role in Enrolment.STAFF_ROLES and not user.is_staff:
                # Staff pages are the admin; what they show is scoped by the course enrolment.
                user.is_staff = True
                user.save(update_fields=["is_staff"])
        assignment = None
        if lti_launch.is_resource_launch:
            assignment = resource_link_assignment(lti_launch, course)
    return Landing(
        user=user, course=course, role=role, assignment=assignment, url=_landing_url(course, role, assignment)
    )


def lti_user_account(lti_user: LtiUser):
    """The local account for a platform user (``iss`` + ``sub``), created on the first launch.

    The same person launching through a second registration of the same platform (same issuer, same keys)
    keeps one account; a registration that only borrows an issuer name does not get theirs.
    """
    if lti_user.auth_user_id is None:
        twin = (
            LtiUser.objects.filter(
                registration__issuer=lti_user.registration.issuer,
                registration__keyset_url=lti_user.registration.keyset_url,
                sub=lti_user.sub,
            )
            .exclude(auth_user=None)
            .select_related("auth_user")
            .first()
        )
        lti_user.auth_user = twin.auth_user if twin else _new_account(lti_user)
        lti_user.save(update_fields=["auth_user"])
    account = lti_user.auth_user
    # Some platforms send only a full name; it is better than "lti-3f9c…" in an instructor's lists.
    given = lti_user.given_name or (lti_user.name if not lti_user.family_name else "")
    names = {"first_name": given[:150], "last_name": lti_user.family_name[:150]}
    if lti_user.email:
        names["email"] = lti_user.email
    changed = [field for field, value in names.items() if value and getattr(account, field) != value]
    if changed:
        for field in changed:
            setattr(account, field, names[field])
        account.save(update_fields=changed)
    return account


def account(user_id: int):
    """The local account a hand-off names."""
    return get_user_model().objects.get(pk=user_id)


def _new_account(lti_user: LtiUser):
    digest = hashlib.sha256(f"{lti_user.registration.issuer}\0{lti_user.sub}".encode()).hexdigest()[:16]
    accounts = get_user_model().objects
    # The readable name is derived from public data, so someone may hold it already: never theirs, then.
    username = f"lti-{digest}" if not accounts.filter(username=f"lti-{digest}").exists() else f"lti-{uuid.uuid4().hex}"
    try:
        with transaction.atomic():
            created = accounts.create_user(username=username)
    except IntegrityError:  # taken between the check and the insert
        created = accounts.create_user(username=f"lti-{uuid.uuid4().hex}")
    created.set_unusable_password()
    created.save(update_fields=["password"])
    log.info("account %s created for an LTI user of %s", created.username, lti_user.registration)
    return created


def context_course(context: LtiContext) -> Course:
    """The course an LTI context is, created the first time the context launches us."""
    link = CourseContext.objects.select_related("course").filter(context=context).first()
    if link is None:
        title = (context.title or context.label or context.id_on_platform)[:200]
        try:
            with transaction.atomic():
                course = _new_course(title, context.label or f"LTI-{context.pk}", context.pk)
                link = CourseContext.objects.create(context=context, course=course)
        except IntegrityError:  # two first launches at once: the other one made it
            link = CourseContext.objects.select_related("course").get(context=context)
    return link.course


def _new_course(title: str, code: str, context_pk: int) -> Course:
    # Course codes are unique per term: two LMS courses both labelled "ML-101" get told apart.
    try:
        with transaction.atomic():
            return Course.objects.create(title=title, code=code[:40])
    except IntegrityError:
        suffix = f"-{context_pk}"
        return Course.objects.create(title=title, code=code[: 40 - len(suffix)] + suffix)


def resource_link_assignment(lti_launch: LtiLaunch, course: Course) -> Assignment | None:
    """The assignment a resource link opens: the one it is linked to, the one deep linking made (named in
    its custom parameters), or one for the exercise or quiz its target URL shows. None for other pages."""
    resource_link: LtiResourceLink = lti_launch.resource_link
    link = LinkedAssignment.objects.select_related("assignment").filter(resource_link=resource_link).first()
    if link is None:
        assignment = _deep_linked(lti_launch, course) or _for_target(lti_launch, course, resource_link.title)
        if assignment is None:
            return None
        try:
            with transaction.atomic():
                link = LinkedAssignment.objects.create(resource_link=resource_link, assignment=assignment)
        except IntegrityError:  # two first launches of the link at once
            link = LinkedAssignment.objects.select_related("assignment").get(resource_link=resource_link)
    _remember_line_item(lti_launch, link)
    return link.assignment


def _deep_linked(lti_launch: LtiLaunch, course: Course) -> Assignment | None:
    named = lti_launch.get_custom_claim(ASSIGNMENT_PARAMETER)
    try:
        # Only an assignment of this very course: custom parameters are the instructor's to edit.
        return Assignment.objects.filter(pk=uuid.UUID(str(named)), course=course).first() if named else None
    except ValueError:
        return None


def _for_target(lti_launch: LtiLaunch, course: Course, title: str) -> Assignment | None:
    item = item_at(lti_launch.get_claim("https://purl.imsglobal.org/spec/lti/claim/target_link_uri") or "")
    if item is None:
        return None
    field = "exercise" if isinstance(item, Exercise) else "quiz"
    existing = Assignment.objects.filter(course=course, **{field: item}).first()
    return existing or Assignment.objects.create(course=course, title=title[:200], **{field: item})


def item_at(url: str) -> Exercise | Quiz | None:
    """The published exercise or quiz a tool URL shows (its exercise page, or its quiz's start page)."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    if match.url_name == "exercise-detail":
        return published_exercises().filter(slug=match.kwargs["slug"]).first()
    if match.url_name == "quiz-start":
        return published_quizzes().filter(slug=match.kwargs["slug"]).first()
    return None


def _remember_line_item(lti_launch: LtiLaunch, link: LinkedAssignment) -> None:
    url = (lti_launch.ags_claim or {}).get("lineitem")
    if not url:
        if link.line_item_id is None and lti_launch.context.can_manage_lineitems:
            from quizsite.lti.tasks import ensure_line_item

            transaction.on_commit(lambda: ensure_line_item.delay(link.pk), robust=True)
        return
    if link.line_item is not None and link.line_item.url == url:
        return
    known = LtiLineItem.objects.filter(url=url).first()
    if known is not None and known.context_id != link.resource_link.context_id:
        # Another platform's (or course's) line item: a launch may not point our marks at it.
        log.warning("launch names line item %s of another context; ignored", url)
        return
    line_item, _ = LtiLineItem.objects.get_or_create(
        url=url,
        defaults={
            "context": link.resource_link.context,
            "maximum_score": link.assignment.points,
            "label": link.assignment.display_title[:255],
            "tag": assignment_tag(link.assignment),
            "resource_id": str(link.assignment.pk),
            "resource_link": link.resource_link,
        },
    )
    link.line_item = line_item
    link.save(update_fields=["line_item"])


def assignment_tag(assignment: Assignment) -> str:
    """The line item tag that names an assignment in the platform's gradebook."""
    return f"gradient-gym:{assignment.kind}:{assignment.item.slug}"


def _landing_url(course: Course, role: str | None, assignment: Assignment | None) -> str:
    if assignment is not None:
        if assignment.exercise_id:
            return reverse("exercise-detail", args=[assignment.exercise.slug])
        return reverse("quiz-start", args=[assignment.quiz.slug])
    if role in Enrolment.STAFF_ROLES:
        return reverse("admin:courses_course_change", args=[course.pk])
    return reverse("dashboard")


def deep_link_assignments(*, course: Course, exercises: list[Exercise], quizzes: list[Quiz]) -> list[Assignment]:
    """Assignments for the exercises and quizzes an instructor picked in a deep linking launch (an item the
    course already has keeps its assignment)."""
    picked = [("exercise", item) for item in exercises] + [("quiz", item) for item in quizzes]
    assignments = []
    with transaction.atomic():
        for field, item in picked:
            existing = Assignment.objects.filter(course=course, **{field: item}).first()
            assignments.append(existing or Assignment.objects.create(course=course, **{field: item}))
    return assignments
