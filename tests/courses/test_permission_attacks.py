"""Red-team attacks on the course layer: staff of one course (or of none) and learners trying to see or change
what belongs to another course, or to learners outside their courses, through the admin and the API.

Every test asserts the SAFE outcome. Tests whose docstring starts with "HOLE" failed when written (a real way
through) and pass since the fix. Still open, by design for now: work is visible by person, not by course, so
staff who enrol a learner see that learner's work on any exercise (see docs/instructors.md).

The cast: course A is taught by ``instructor`` (prof), assisted by ``assistant`` (ta), learner ada; course B is
taught by ``other_instructor`` (turing), learner grace, with a distinctive title. ``outsider`` is staff who
teaches nothing.
"""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from quizsite.catalog.models import Question, Quiz
from quizsite.courses.models import Assignment, Course, Enrolment, Extension, ScoreOverride
from quizsite.learning.models import Regrade, Submission
from quizsite.learning.regrades import services as regrades
from tests.helpers import graded_at, make_assignment, make_course, make_graded_attempt, make_submission, token_client

pytestmark = pytest.mark.django_db

Role = Enrolment.Role
DUE = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
B_TITLE = "Zanzibar Secret Seminar"
B_CODE = "ZSEC-9"
B_TERM = "Hidden Term 2099"
REFUSED = (302, 403, 404)
CODE = """def dropout_forward(x, p, training, seed):
    if not 0 <= p < 1:
        raise ValueError("p must be in [0, 1)")
    if not training:
        return x
    mask = seed.rand(*x.shape) >= p
    return x * mask / (1 - p)
"""


@pytest.fixture
def outsider(django_user_model):
    return django_user_model.objects.create_user(username="outsider", password="pw-out-123456", is_staff=True)


@pytest.fixture
def world(synced, instructor, assistant, other_instructor, learner, other_learner):
    """Courses A and B, each with an exercise assignment, a graded submission, an extension and an override;
    grace (B) also has a graded quiz attempt."""
    other_learner.email, other_learner.first_name, other_learner.last_name = "grace.secret@example.org", "Grace", "H"
    other_learner.save()
    learner.email = "ada@example.org"
    learner.save()
    course_a = make_course(code="A-1", instructors=[instructor], assistants=[assistant], learners=[learner])
    course_b = make_course(
        code=B_CODE, term=B_TERM, title=B_TITLE, instructors=[other_instructor], learners=[other_learner]
    )
    out = {"a": course_a, "b": course_b}
    for key, course, person in (("a", course_a, learner), ("b", course_b, other_learner)):
        assignment = make_assignment(course, due_at=DUE, points=10)
        submission = graded_at(make_submission(user=person, exercise=assignment.exercise, code=CODE), DUE + HOUR, 1.0)
        extension = Extension.objects.create(
            assignment=assignment, learner=person, due_at=DUE + 24 * HOUR, reason=f"ill {key}", granted_by=None
        )
        override = ScoreOverride.objects.create(assignment=assignment, learner=person, score=0.5, reason=f"why {key}")
        enrolment = Enrolment.objects.get(course=course, user=person)
        out.update(
            {
                f"{key}_assignment": assignment,
                f"{key}_submission": submission,
                f"{key}_extension": extension,
                f"{key}_override": override,
                f"{key}_enrolment": enrolment,
            }
        )
    quiz = Quiz.objects.filter(topics__isnull=False).first()
    question = Question.objects.filter(topic__in=quiz.topics.all()).first()
    out["b_attempt"] = make_graded_attempt(user=other_learner, quiz=quiz, answers=[(question, None, 0.0)])
    return out


def _leaks_b(response) -> bool:
    text = response.content.decode(errors="replace")
    return any(word in text for word in (B_TITLE, B_CODE, B_TERM, "grace.secret@example.org"))


def _action(client, model: str, action: str, pks, **extra):
    data = {"action": action, "_selected_action": [str(pk) for pk in pks], "index": "0", **extra}
    return client.post(reverse(f"admin:{model}_changelist"), data)


# --- Instructor of A against course B: direct URLs -------------------------------------------------------------


@pytest.mark.parametrize("page", ["change", "history", "delete"])
def test_instructor_cannot_open_another_courses_object_pages(client, instructor, world, page):
    client.force_login(instructor)
    for model, obj in [
        ("courses_course", world["b"]),
        ("courses_assignment", world["b_assignment"]),
        ("courses_enrolment", world["b_enrolment"]),
        ("courses_extension", world["b_extension"]),
        ("courses_scoreoverride", world["b_override"]),
        ("learning_submission", world["b_submission"]),
        ("learning_attempt", world["b_attempt"]),
    ]:
        response = client.get(reverse(f"admin:{model}_{page}", args=[obj.pk]))
        assert response.status_code in REFUSED, (model, page, response.status_code)
        assert not _leaks_b(response), (model, page)


def test_instructor_cannot_delete_another_courses_objects_by_posting(client, instructor, world):
    client.force_login(instructor)
    for model, obj in [
        ("courses_course", world["b"]),
        ("courses_assignment", world["b_assignment"]),
        ("courses_enrolment", world["b_enrolment"]),
    ]:
        client.post(reverse(f"admin:{model}_delete", args=[obj.pk]), {"post": "yes"})
        assert type(obj).objects.filter(pk=obj.pk).exists(), model


def test_instructor_cannot_open_another_courses_gradebook_statistics_or_similarity(client, instructor, world):
    client.force_login(instructor)
    course_b, assignment_b = world["b"], world["b_assignment"]
    for url in [
        reverse("admin:courses_course_gradebook", args=[course_b.pk]),
        reverse("admin:courses_course_gradebook", args=[course_b.pk]) + "?format=csv&layout=moodle",
        reverse("admin:courses_course_statistics", args=[course_b.pk]),
        reverse("admin:courses_assignment_similarity", args=[assignment_b.pk]),
        reverse(
            "admin:courses_assignment_similarity_pair",
            args=[assignment_b.pk, world["b_submission"].pk, world["b_submission"].pk],
        ),
    ]:
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert not _leaks_b(response), url


def test_similarity_pair_of_own_assignment_does_not_show_other_courses_submissions(client, instructor, world):
    client.force_login(instructor)
    url = reverse(
        "admin:courses_assignment_similarity_pair",
        args=[world["a_assignment"].pk, world["a_submission"].pk, world["b_submission"].pk],
    )
    assert client.get(url).status_code == 404


def test_similarity_page_survives_a_very_short_submission(client, instructor, world):
    """HOLE (robustness, not permission): an accepted submission too short for one k-gram (``x = 1``) makes
    ``similarity.winnow`` call ``min()`` on an empty window, so GET /admin/courses/assignment/<id>/similarity/
    answers 500 for the whole course."""
    short = make_submission(exercise=world["a_assignment"].exercise, code="x = 1\n")
    Enrolment.objects.create(course=world["a"], user=short.user, role=Role.LEARNER)
    graded_at(short, DUE, 1.0)
    client.force_login(instructor)
    response = client.get(reverse("admin:courses_assignment_similarity", args=[world["a_assignment"].pk]))
    assert response.status_code == 200


def test_instructor_cannot_change_another_courses_enrolment_role(client, instructor, world):
    client.force_login(instructor)
    enrolment = world["b_enrolment"]
    client.post(reverse("admin:courses_enrolment_change", args=[enrolment.pk]), {"role": Role.INSTRUCTOR})
    enrolment.refresh_from_db()
    assert enrolment.role == Role.LEARNER


def test_instructor_cannot_rename_another_course(client, instructor, world):
    client.force_login(instructor)
    course_b = world["b"]
    client.post(
        reverse("admin:courses_course_change", args=[course_b.pk]),
        {"title": "pwned", "code": "PWN", "term": "", **_empty_inlines()},
    )
    course_b.refresh_from_db()
    assert course_b.title == B_TITLE


def _empty_inlines() -> dict:
    data = {}
    for prefix in ("enrolments", "assignments"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    return data


# --- Changelists, filters, lookups and autocomplete -------------------------------------------------------------


@pytest.mark.parametrize("model", ["courses_course", "learning_submission", "learning_attempt", "learning_regrade"])
def test_changelists_show_nothing_of_course_b(client, instructor, world, model):
    client.force_login(instructor)
    response = client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200
    assert not _leaks_b(response)
    assert "grace" not in response.content.decode()


@pytest.mark.parametrize(
    "model", ["courses_assignment", "courses_enrolment", "courses_extension", "courses_scoreoverride"]
)
def test_changelist_course_filter_does_not_name_other_courses(client, instructor, world, model):
    """HOLE: ``list_filter = ["course"]`` / ``["assignment__course"]`` is Django's RelatedFieldListFilter, whose
    choices are every Course in the database, not the viewer's courses. GET /admin/courses/<model>/ as the
    instructor of A shows course B's code, term and title in the "By course" sidebar."""
    client.force_login(instructor)
    response = client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200
    assert not _leaks_b(response), f"{model} changelist names course B in its filter"


@pytest.mark.parametrize(
    ("model", "query"),
    [
        ("courses_enrolment", "course__id__exact={b}"),
        ("courses_assignment", "course__id__exact={b}"),
        ("courses_extension", "assignment__course__id__exact={b}"),
        ("courses_scoreoverride", "assignment__course__id__exact={b}"),
        ("learning_submission", "course={b}"),
        ("learning_attempt", "course={b}"),
    ],
)
def test_changelist_filtered_by_another_course_lists_no_rows(client, instructor, world, model, query):
    client.force_login(instructor)
    response = client.get(reverse(f"admin:{model}_changelist") + "?" + query.format(b=world["b"].pk))
    if response.status_code == 200 and "cl" in (response.context or {}):
        assert response.context["cl"].result_count == 0
    text = response.content.decode()
    assert "grace" not in text and "why b" not in text and "ill b" not in text


def test_changelist_search_does_not_reach_other_courses(client, instructor, world):
    client.force_login(instructor)
    for model in ("courses_enrolment", "learning_submission", "learning_attempt"):
        response = client.get(reverse(f"admin:{model}_changelist") + "?q=grace")
        assert response.context["cl"].result_count == 0, model


@pytest.mark.parametrize(
    ("app", "model", "field"),
    [
        ("courses", "enrolment", "course"),
        ("courses", "assignment", "course"),
        ("courses", "extension", "assignment"),
        ("courses", "enrolment", "user"),
        ("learning", "regradeitem", "submission"),
        ("learning", "regradeitem", "regrade"),
        ("courses", "assignment", "exercise"),
    ],
)
def test_autocomplete_does_not_list_other_courses_or_learners(client, instructor, world, app, model, field):
    client.force_login(instructor)
    for term in ("", "ZSEC", "grace", "Zanzibar"):
        response = client.get(
            reverse("admin:autocomplete"), {"app_label": app, "model_name": model, "field_name": field, "term": term}
        )
        assert response.status_code in (200, 403, 404)
        assert not _leaks_b(response), (model, field, term)
        if response.status_code == 200:
            ids = {row["id"] for row in response.json()["results"]}
            assert str(world["b"].pk) not in ids
            assert str(world["b_assignment"].pk) not in ids
            assert str(world["b_submission"].pk) not in ids


def test_popup_raw_id_lookup_lists_nothing_of_course_b(client, instructor, world):
    client.force_login(instructor)
    # (courses_assignment's popup has the leaking course filter: see test_changelist_course_filter_...)
    for model in ("courses_course", "learning_submission", "learning_attempt"):
        response = client.get(reverse(f"admin:{model}_changelist") + "?_popup=1&_to_field=id")
        assert response.status_code in (200, 400, 403)
        assert not _leaks_b(response)


def test_disallowed_relation_lookups_are_refused(client, instructor, world):
    """A changelist query through relations not offered as filters (to probe other rows) is a 400."""
    client.force_login(instructor)
    response = client.get(
        reverse("admin:courses_assignment_changelist") + "?course__enrolments__user__email__startswith=grace"
    )
    assert response.status_code in (400, 302) or response.context["cl"].result_count == 0


# --- Admin actions POSTed with another course's ids ---------------------------------------------------------------


def test_bulk_delete_action_ignores_other_courses_ids(client, instructor, world):
    client.force_login(instructor)
    for model, obj in [
        ("courses_course", world["b"]),
        ("courses_assignment", world["b_assignment"]),
        ("courses_enrolment", world["b_enrolment"]),
    ]:
        _action(client, model, "delete_selected", [obj.pk], post="yes")
        assert type(obj).objects.filter(pk=obj.pk).exists(), model


def test_regrade_action_ignores_other_courses_submissions(client, instructor, world):
    client.force_login(instructor)
    submission = world["b_submission"]
    _action(client, "learning_submission", "regrade", [submission.pk])
    submission.refresh_from_db()
    assert submission.status == Submission.Status.DONE and submission.regraded_at is None


def test_download_grades_action_does_not_export_other_courses_learners(client, instructor, world):
    client.force_login(instructor)
    for model, obj in [("learning_submission", world["b_submission"]), ("learning_attempt", world["b_attempt"])]:
        response = _action(client, model, "download_grades", [obj.pk, world["a_submission"].pk])
        assert "grace" not in response.content.decode(), model


def test_select_across_delete_does_not_reach_other_courses(client, instructor, world):
    client.force_login(instructor)
    _action(client, "courses_enrolment", "delete_selected", [world["b_enrolment"].pk], select_across="1", post="yes")
    assert Enrolment.objects.filter(pk=world["b_enrolment"].pk).exists()


# --- Add forms posting ids outside the offered choices -------------------------------------------------------------


def test_instructor_cannot_add_an_assignment_to_another_course(client, instructor, world):
    client.force_login(instructor)
    before = Assignment.objects.filter(course=world["b"]).count()
    client.post(
        reverse("admin:courses_assignment_add"),
        {"course": world["b"].pk, "exercise": world["a_assignment"].exercise_id, "points": "10", "position": "0",
         "late_penalty_percent_per_day": "0", "policy": "best"},
    )  # fmt: skip
    assert Assignment.objects.filter(course=world["b"]).count() == before


def test_instructor_cannot_move_own_assignment_into_another_course(client, instructor, world):
    client.force_login(instructor)
    assignment = world["a_assignment"]
    client.post(
        reverse("admin:courses_assignment_change", args=[assignment.pk]),
        {"course": world["b"].pk, "exercise": assignment.exercise_id, "points": "10", "position": "0",
         "late_penalty_percent_per_day": "0", "policy": "best"},
    )  # fmt: skip
    assignment.refresh_from_db()
    assert assignment.course_id == world["a"].pk


@pytest.mark.parametrize("learner_key", ["b", "a"])
def test_instructor_cannot_grant_an_extension_on_another_courses_assignment(client, instructor, world, learner_key):
    client.force_login(instructor)
    learner = world[f"{learner_key}_enrolment"].user
    client.post(
        reverse("admin:courses_extension_add"),
        {"assignment": world["b_assignment"].pk, "learner": learner.pk, "due_at_0": "2030-01-01",
         "due_at_1": "12:00:00", "reason": "attack"},
    )  # fmt: skip
    assert not Extension.objects.filter(reason="attack").exists()


def test_instructor_cannot_extend_a_learner_of_another_course_on_own_assignment(client, instructor, world):
    client.force_login(instructor)
    client.post(
        reverse("admin:courses_extension_add"),
        {"assignment": world["a_assignment"].pk, "learner": world["b_enrolment"].user_id, "due_at_0": "2030-01-01",
         "due_at_1": "12:00:00", "reason": "attack"},
    )  # fmt: skip
    assert not Extension.objects.filter(reason="attack").exists()


@pytest.mark.parametrize(("assignment_key", "learner_key"), [("b", "b"), ("b", "a"), ("a", "b")])
def test_instructor_cannot_override_marks_outside_their_course(client, instructor, world, assignment_key, learner_key):
    client.force_login(instructor)
    client.post(
        reverse("admin:courses_scoreoverride_add"),
        {"assignment": world[f"{assignment_key}_assignment"].pk, "learner": world[f"{learner_key}_enrolment"].user_id,
         "score": "1", "reason": "attack"},
    )  # fmt: skip
    assert not ScoreOverride.objects.filter(reason="attack").exists()


def test_override_refuses_a_learner_who_is_not_in_the_assignments_course(client, instructor, world, django_user_model):
    """HOLE (integrity, low): ScoreOverrideAdmin has no check like ExtensionForm.clean that the learner is a learner
    of the assignment's course. prof teaches A and C; POST /admin/courses/scoreoverride/add/ with A's assignment and
    hopper (a learner of C only) creates an override row for someone not in A. Extensions refuse the same pair."""
    hopper = django_user_model.objects.create_user(username="hopper")
    make_course(code="C-1", instructors=[instructor], learners=[hopper])
    client.force_login(instructor)
    client.post(
        reverse("admin:courses_scoreoverride_add"),
        {"assignment": world["a_assignment"].pk, "learner": hopper.pk, "score": "1", "reason": "wrong course"},
    )
    assert not ScoreOverride.objects.filter(reason="wrong course").exists()


def test_course_inline_cannot_take_over_another_courses_enrolment(client, instructor, world):
    """The enrolment inline on course A, posted with the id of an enrolment in B, must not move or change it."""
    client.force_login(instructor)
    course_a, enrolment_b = world["a"], world["b_enrolment"]
    data = {
        "title": course_a.title,
        "code": course_a.code,
        "term": course_a.term,
        **_empty_inlines(),
        "enrolments-TOTAL_FORMS": "1",
        "enrolments-INITIAL_FORMS": "1",
        "enrolments-0-id": str(enrolment_b.pk),
        "enrolments-0-course": str(course_a.pk),
        "enrolments-0-user": str(enrolment_b.user_id),
        "enrolments-0-role": Role.INSTRUCTOR,
    }
    client.post(reverse("admin:courses_course_change", args=[course_a.pk]), data)
    enrolment_b.refresh_from_db()
    assert enrolment_b.course_id == world["b"].pk and enrolment_b.role == Role.LEARNER


def test_course_page_does_not_list_every_account_on_the_site(client, instructor, world):
    """HOLE (design): the Enrolments inline's ``user`` field is a plain <select> over every account, so GET
    /admin/courses/course/<A>/change/ as prof lists the usernames of all users of the site: grace (a learner of
    B only), turing, superusers. Autocomplete or a typed username would not."""
    client.force_login(instructor)
    response = client.get(reverse("admin:courses_course_change", args=[world["a"].pk]))
    assert response.status_code == 200
    assert ">grace<" not in response.content.decode()
    assert ">turing<" not in response.content.decode()


def test_import_preview_does_not_reveal_accounts_outside_the_course(client, instructor, world):
    """HOLE: the import preview shows every matched account's exported columns. Uploading ``username\\ngrace``
    for course A (POST /admin/courses/enrolment/import/) shows grace's email address and full name although she
    is no learner of prof's; any username on the site can be turned into its email this way (and a row with a
    wrong email says "<user> has another email address", confirming the account)."""
    client.force_login(instructor)
    upload = SimpleUploadedFile("roster.csv", b"username\ngrace\n", content_type="text/csv")
    preview = client.post(
        reverse("admin:courses_enrolment_import"), {"course": world["a"].pk, "format": "0", "import_file": upload}
    )
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "grace.secret@example.org" not in text
    assert "Grace H" not in text


def test_import_into_another_course_is_refused(client, instructor, assistant, world):
    for person in (instructor, assistant):
        client.force_login(person)
        upload = SimpleUploadedFile("roster.csv", b"username\nada\n", content_type="text/csv")
        client.post(
            reverse("admin:courses_enrolment_import"), {"course": world["b"].pk, "format": "0", "import_file": upload}
        )
        assert not Enrolment.objects.filter(course=world["b"], user__username="ada").exists()


def test_import_confirmation_cannot_be_pointed_at_another_course(client, instructor, world):
    client.force_login(instructor)
    upload = SimpleUploadedFile("roster.csv", b"username\nhopper2\n", content_type="text/csv")
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user(username="hopper2")
    preview = client.post(
        reverse("admin:courses_enrolment_import"), {"course": world["a"].pk, "format": "0", "import_file": upload}
    )
    data = {**preview.context["confirm_form"].initial, "course": str(world["b"].pk)}
    client.post(reverse("admin:courses_enrolment_process_import"), data)
    assert not Enrolment.objects.filter(course=world["b"], user__username="hopper2").exists()


def test_enrolment_export_holds_only_own_courses(client, instructor, assistant, world):
    for person in (instructor, assistant):
        client.force_login(person)
        url = reverse("admin:courses_enrolment_export")
        response = client.post(url, {"format": "0", "resource": "0"})
        assert not _leaks_b(response)
        assert "grace" not in response.content.decode()
        response = client.post(
            url, {"format": "0", "resource": "0", "export_items": [world["b_enrolment"].pk, world["a_enrolment"].pk]}
        )
        assert "grace" not in response.content.decode()
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert all("grace" not in row for row in rows)


# --- Regrades ---------------------------------------------------------------------------------------------------------


def test_regrade_preview_refuses_other_courses_submissions(client, instructor, assistant, world):
    for person in (instructor, assistant):
        client.force_login(person)
        exercise_id = world["b_submission"].exercise_id
        before = Regrade.objects.count()
        client.post(
            reverse("admin:learning_regrade_add"),
            {"exercise": exercise_id, "reason": "attack", "submissions": str(world["b_submission"].pk)},
        )
        client.post(
            reverse("admin:learning_regrade_add"),
            {"exercise": exercise_id, "reason": "attack", "learners": [world["b_enrolment"].user_id]},
        )
        assert Regrade.objects.count() == before
        everything = client.post(reverse("admin:learning_regrade_add"), {"exercise": exercise_id, "reason": "all"})
        assert everything.status_code in (200, 302)
        ids = set(Regrade.objects.filter(requested_by=person).values_list("items__submission", flat=True))
        assert world["b_submission"].pk not in ids


def test_regrade_start_page_does_not_list_other_courses_learners(client, instructor, world):
    client.force_login(instructor)
    response = client.get(reverse("admin:learning_regrade_add"))
    assert response.status_code == 200
    assert ">grace<" not in response.content.decode()


def test_instructor_cannot_see_apply_or_cancel_another_courses_regrade(client, instructor, assistant, world):
    regrade = regrades.regrade_preview_start(
        exercise=world["b_submission"].exercise, requested_by=world["b"].enrolments.get(role="instructor").user,
        reason="B's regrade",
    )  # fmt: skip
    for person in (instructor, assistant):
        client.force_login(person)
        for name in ("change", "history"):
            response = client.get(reverse(f"admin:learning_regrade_{name}", args=[regrade.pk]))
            assert response.status_code in REFUSED and "grace" not in response.content.decode()
        for name in ("apply", "cancel", "retry"):
            response = client.post(reverse(f"admin:learning_regrade_{name}", args=[regrade.pk]))
            assert response.status_code in (403, 404), name
    regrade.refresh_from_db()
    assert regrade.status == Regrade.Status.PREVIEWING


def test_mixed_regrade_is_hidden_from_staff_of_only_one_course(client, instructor, world, django_user_model):
    boss = django_user_model.objects.create_superuser(username="boss", password="pw-boss-123456")
    regrade = regrades.regrade_preview_start(
        exercise=world["a_submission"].exercise, requested_by=boss, reason="both courses"
    )
    assert regrade.items.count() == 2
    client.force_login(instructor)
    assert client.get(reverse("admin:learning_regrade_change", args=[regrade.pk])).status_code == 404
    assert client.post(reverse("admin:learning_regrade_cancel", args=[regrade.pk])).status_code == 404
    regrade.refresh_from_db()
    assert regrade.status == Regrade.Status.PREVIEWING


# --- Teaching assistant of A: instructor-only things ---------------------------------------------------------------


def test_assistant_cannot_change_enrolment_roles(client, assistant, world):
    client.force_login(assistant)
    enrolment = world["a_enrolment"]
    response = client.post(reverse("admin:courses_enrolment_change", args=[enrolment.pk]), {"role": Role.INSTRUCTOR})
    assert response.status_code == 403
    enrolment.refresh_from_db()
    assert enrolment.role == Role.LEARNER


def test_assistant_cannot_promote_themself(client, assistant, world):
    client.force_login(assistant)
    own = Enrolment.objects.get(course=world["a"], user=assistant)
    client.post(reverse("admin:courses_enrolment_change", args=[own.pk]), {"role": Role.INSTRUCTOR})
    own.refresh_from_db()
    assert own.role == Role.TEACHING_ASSISTANT


def test_assistant_cannot_add_change_or_delete_assignments(client, assistant, world):
    client.force_login(assistant)
    assignment = world["a_assignment"]
    form = {"course": world["a"].pk, "exercise": assignment.exercise_id, "points": "99", "position": "0",
            "late_penalty_percent_per_day": "0", "policy": "best"}  # fmt: skip
    before = Assignment.objects.count()
    client.post(reverse("admin:courses_assignment_add"), form)
    assert Assignment.objects.count() == before
    response = client.post(reverse("admin:courses_assignment_change", args=[assignment.pk]), form)
    assert response.status_code == 403
    client.post(reverse("admin:courses_assignment_delete", args=[assignment.pk]), {"post": "yes"})
    _action(client, "courses_assignment", "delete_selected", [assignment.pk], post="yes")
    assignment.refresh_from_db()
    assert assignment.points == 10


def test_assistant_cannot_delete_the_course_or_its_enrolments(client, assistant, world):
    client.force_login(assistant)
    client.post(reverse("admin:courses_course_delete", args=[world["a"].pk]), {"post": "yes"})
    _action(client, "courses_course", "delete_selected", [world["a"].pk], post="yes")
    _action(client, "courses_enrolment", "delete_selected", [world["a_enrolment"].pk], post="yes")
    assert Course.objects.filter(pk=world["a"].pk).exists()
    assert Enrolment.objects.filter(pk=world["a_enrolment"].pk).exists()


def test_assistant_cannot_enrol_people_on_the_course_page(client, assistant, world, django_user_model):
    newcomer = django_user_model.objects.create_user(username="newcomer")
    client.force_login(assistant)
    course_a = world["a"]
    data = {
        "title": course_a.title, "code": course_a.code, "term": course_a.term, **_empty_inlines(),
        "enrolments-TOTAL_FORMS": "1", "enrolments-0-user": str(newcomer.pk), "enrolments-0-role": Role.LEARNER,
    }  # fmt: skip
    response = client.post(reverse("admin:courses_course_change", args=[course_a.pk]), data)
    assert response.status_code == 403
    assert not Enrolment.objects.filter(user=newcomer).exists()


def test_assistant_cannot_import(client, assistant, world):
    client.force_login(assistant)
    assert client.get(reverse("admin:courses_enrolment_import")).status_code == 403
    upload = SimpleUploadedFile("roster.csv", b"username\ngrace\n", content_type="text/csv")
    response = client.post(
        reverse("admin:courses_enrolment_import"), {"course": world["a"].pk, "format": "0", "import_file": upload}
    )
    assert response.status_code == 403
    assert not Enrolment.objects.filter(course=world["a"], user__username="grace").exists()


def test_assistant_cannot_delete_extensions_or_overrides(client, assistant, world):
    client.force_login(assistant)
    for model, obj in [("courses_extension", world["a_extension"]), ("courses_scoreoverride", world["a_override"])]:
        client.post(reverse(f"admin:{model}_delete", args=[obj.pk]), {"post": "yes"})
        _action(client, model, "delete_selected", [obj.pk], post="yes")
        assert type(obj).objects.filter(pk=obj.pk).exists()


def test_assistant_may_extend_their_learner(client, assistant, world):
    """Sanity: the allowed path still works (so the refusals above are not vacuous). The fixture's extension is
    deleted first: the admin form refuses a second one for the same pair (see the report)."""
    world["a_extension"].delete()
    client.force_login(assistant)
    response = client.post(
        reverse("admin:courses_extension_add"),
        {"assignment": world["a_assignment"].pk, "learner": world["a_enrolment"].user_id, "due_at_0": "2030-01-01",
         "due_at_1": "12:00:00", "reason": "allowed"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Extension.objects.filter(reason="allowed").exists()


# --- Staff who teach nothing -----------------------------------------------------------------------------------------


def test_staff_teaching_nothing_sees_no_course_data(client, outsider, world):
    client.force_login(outsider)
    for model in [
        "courses_course",
        "courses_assignment",
        "courses_enrolment",
        "courses_extension",
        "courses_scoreoverride",
        "learning_submission",
        "learning_attempt",
        "learning_regrade",
        "catalog_exercise",
        "catalog_question",
        "catalog_quiz",
        "auth_user",
        "accounts_apiclient",
        "accounts_externallearner",
    ]:
        response = client.get(reverse(f"admin:{model}_changelist"))
        assert response.status_code == 403, model
    for url in [
        reverse("admin:courses_course_gradebook", args=[world["a"].pk]),
        reverse("admin:courses_course_statistics", args=[world["a"].pk]),
        reverse("admin:courses_assignment_similarity", args=[world["a_assignment"].pk]),
        reverse("admin:learning_regrade_add"),
        reverse("admin:courses_enrolment_import"),
        reverse("admin:courses_enrolment_export"),
        reverse("admin:learning_submission_change", args=[world["a_submission"].pk]),
        reverse("admin:courses_course_change", args=[world["a"].pk]),
        reverse("admin:auth_user_change", args=[world["a_enrolment"].user_id]),
    ]:
        response = client.get(url)
        assert response.status_code in REFUSED, url
        assert "ada" not in response.content.decode() or response.status_code == 302, url
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "courses", "model_name": "enrolment", "field_name": "course", "term": ""},
    )
    assert response.status_code == 403
    index = client.get(reverse("admin:index"))
    assert not _leaks_b(index)


def test_staff_teaching_nothing_cannot_write_course_rows(client, outsider, world):
    client.force_login(outsider)
    client.post(
        reverse("admin:courses_scoreoverride_add"),
        {"assignment": world["a_assignment"].pk, "learner": world["a_enrolment"].user_id, "score": "1",
         "reason": "attack"},
    )  # fmt: skip
    client.post(reverse("admin:catalog_exercise_validate", args=[world["a_assignment"].exercise_id]))
    _action(client, "learning_submission", "regrade", [world["a_submission"].pk])
    assert not ScoreOverride.objects.filter(reason="attack").exists()
    world["a_submission"].refresh_from_db()
    assert world["a_submission"].regraded_at is None


def test_instructor_cannot_reach_catalog_or_user_admin(client, instructor, world):
    client.force_login(instructor)
    for model in ["catalog_exercise", "catalog_validationrun", "auth_user", "auth_group", "accounts_apiclient"]:
        assert client.get(reverse(f"admin:{model}_changelist")).status_code == 403, model
    assert client.get(reverse("admin:auth_user_change", args=[world["b_enrolment"].user_id])).status_code in REFUSED
    response = client.post(reverse("admin:catalog_exercise_validate", args=[world["a_assignment"].exercise_id]))
    assert response.status_code == 403


def test_staff_teaching_nothing_sees_nothing_through_the_api(outsider, world):
    api = token_client(outsider)
    assert api.get("/api/v1/courses/").json() == []
    assert api.get(f"/api/v1/courses/{world['a'].pk}/gradebook/").status_code == 404
    assert api.get(f"/api/v1/submissions/{world['a_submission'].pk}/").status_code == 404
    assert api.get(f"/api/v1/attempts/{world['b_attempt'].pk}/").status_code == 404
    assert api.post(f"/api/v1/submissions/{world['a_submission'].pk}/regrade/").status_code == 404
    listed = api.get("/api/v1/submissions/?learner=ada").json()
    assert listed["results"] == []
    assert api.get("/api/v1/grades/").json()["results"] == []
    assert "ada" not in api.get("/api/v1/grades/csv/").content.decode()


# --- The API, instructor of A against B ------------------------------------------------------------------------------


def test_instructor_api_sees_nothing_of_course_b(instructor, assistant, world):
    for person in (instructor, assistant):
        api = token_client(person)
        courses = api.get("/api/v1/courses/").json()
        assert [c["code"] for c in courses] == ["A-1"]
        assert api.get(f"/api/v1/courses/{world['b'].pk}/gradebook/").status_code == 404
        assert api.get(f"/api/v1/submissions/{world['b_submission'].pk}/").status_code == 404
        assert api.get(f"/api/v1/attempts/{world['b_attempt'].pk}/").status_code == 404
        assert api.post(f"/api/v1/submissions/{world['b_submission'].pk}/regrade/").status_code == 404
        for query in ("?learner=grace", "", f"?exercise={world['b_submission'].exercise.slug}"):
            assert "grace" not in api.get("/api/v1/submissions/" + query).content.decode()
        assert "grace" not in api.get("/api/v1/grades/").content.decode()
        assert "grace" not in api.get("/api/v1/grades/csv/").content.decode()
        gradebook = api.get(f"/api/v1/courses/{world['a'].pk}/gradebook/").json()
        assert "grace" not in str(gradebook)
    world["b_submission"].refresh_from_db()
    assert world["b_submission"].regraded_at is None


def test_api_client_of_instructor_a_reads_only_course_a(instructor, world):
    from quizsite.accounts.models import Scope
    from quizsite.accounts.services import api_client_create
    from tests.helpers import key_client

    _, key = api_client_create(name="LMS", owner=instructor, scopes=Scope.values)
    api = key_client(key)
    assert api.get(f"/api/v1/courses/{world['b'].pk}/gradebook/").status_code == 404
    assert api.get(f"/api/v1/submissions/{world['b_submission'].pk}/").status_code == 404
    assert api.get(f"/api/v1/submissions/{world['a_submission'].pk}/").status_code == 404
    as_grace = key_client(key, learner="grace")
    assert as_grace.get(f"/api/v1/submissions/{world['b_submission'].pk}/").status_code == 404


def test_staff_enrolled_as_learner_do_not_get_withheld_hidden_check_messages(synced, instructor, world):
    """HOLE: ``results_shown_to`` shows hidden checks' messages to any ``is_staff`` viewer. Staff enrolled as a
    *learner* in course B (here prof, who teaches A) read the hidden messages B withholds from its learners until
    the due date: GET /api/v1/submissions/<prof's own submission>/ returns "hidden detail"."""
    course_b = world["b"]
    Enrolment.objects.create(course=course_b, user=instructor, role=Role.LEARNER)
    assignment = make_assignment(course_b, due_at=timezone.now() + timedelta(days=1), hidden_details_after_due=True)
    Assignment.objects.filter(course=course_b).exclude(pk=assignment.pk).delete()
    results = [
        {"name": "example", "passed": False, "message": "public detail", "points": 1, "public": True},
        {"name": "hidden", "passed": False, "message": "hidden detail", "points": 1, "public": False},
    ]
    submission = make_submission(
        user=instructor, exercise=assignment.exercise, status="done", verdict="wrong_answer", score=0.0, results=results
    )
    seen = token_client(instructor).get(f"/api/v1/submissions/{submission.pk}/").json()["results"]
    assert "hidden detail" not in str(seen)


# --- Learners (not staff) --------------------------------------------------------------------------------------------


def test_learners_cannot_reach_the_admin(client, learner, world):
    client.force_login(learner)
    for url in [
        reverse("admin:index"),
        reverse("admin:courses_course_changelist"),
        reverse("admin:courses_course_gradebook", args=[world["a"].pk]),
        reverse("admin:courses_course_statistics", args=[world["a"].pk]),
        reverse("admin:learning_submission_change", args=[world["b_submission"].pk]),
        reverse("admin:learning_regrade_add"),
        reverse("admin:courses_enrolment_export"),
        reverse("admin:autocomplete") + "?app_label=courses&model_name=enrolment&field_name=course",
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_learner_enrolled_as_instructor_without_staff_status_gets_no_admin(client, learner, world):
    Enrolment.objects.filter(course=world["a"], user=learner).update(role=Role.INSTRUCTOR)
    client.force_login(learner)
    response = client.get(reverse("admin:courses_course_gradebook", args=[world["a"].pk]))
    assert response.status_code == 302


def test_learners_see_only_their_own_work_through_the_api(learner, world):
    api = token_client(learner)
    assert api.get("/api/v1/courses/").json() == []
    assert api.get(f"/api/v1/courses/{world['a'].pk}/gradebook/").status_code == 404
    assert api.get(f"/api/v1/submissions/{world['b_submission'].pk}/").status_code == 404
    assert api.get(f"/api/v1/attempts/{world['b_attempt'].pk}/").status_code == 404
    assert api.post(f"/api/v1/submissions/{world['a_submission'].pk}/regrade/").status_code == 403
    assert api.post(f"/api/v1/submissions/{world['b_submission'].pk}/regrade/").status_code == 403
    assert "grace" not in api.get("/api/v1/submissions/?learner=grace").content.decode()
    assert "grace" not in api.get("/api/v1/grades/csv/").content.decode()
    answer = api.put(f"/api/v1/attempts/{world['b_attempt'].pk}/answers/q1/", {"response": 0}, format="json")
    assert answer.status_code == 404
    assert api.post(f"/api/v1/attempts/{world['b_attempt'].pk}/submit/").status_code == 404
