"""Enrolment import from CSV in the admin: a preview with each row's problems, nothing written before the
instructor confirms, only the course's instructors may import; and the enrolment list's export."""

import csv
import io

import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from quizsite.courses import services
from quizsite.courses.models import Enrolment
from tests.helpers import make_course

Role = Enrolment.Role
IMPORT_URL = reverse("admin:courses_enrolment_import")
CONFIRM_URL = reverse("admin:courses_enrolment_process_import")

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(django_user_model, learner, other_learner):
    """ada and grace with emails, and hopper (no course yet)."""
    learner.email, other_learner.email = "ada@example.org", "grace@example.org"
    learner.save()
    other_learner.save()
    return learner, other_learner, django_user_model.objects.create_user(username="hopper", email="gh@example.org")


@pytest.fixture
def course(instructor, assistant, people):
    """Course A: taught by ``instructor``, assisted by ``assistant``; nobody learns in it yet."""
    return make_course(code="A", instructors=[instructor], assistants=[assistant])


def _upload(client, course, text: str, *, encoding: str = "utf-8"):
    upload = SimpleUploadedFile("roster.csv", text.encode(encoding), content_type="text/csv")
    return client.post(IMPORT_URL, {"course": course.pk, "format": "0", "import_file": upload})


def _confirm(client, preview):
    return client.post(CONFIRM_URL, preview.context["confirm_form"].initial)


def _enrolled(course) -> dict[str, str]:
    return dict(Enrolment.objects.filter(course=course).values_list("user__username", "role"))


def _row_errors(preview) -> dict[int, dict[str, list[str]]]:
    return {row.number: row.error_dict for row in preview.context["result"].invalid_rows}


def test_the_preview_shows_each_bad_rows_problem_and_writes_nothing(client, instructor, course):
    before = _enrolled(course)
    client.force_login(instructor)
    preview = _upload(
        client,
        course,
        "username,email,role\n"
        "ada,,learner\n"
        "grace,,prof\n"
        ",bob@,\n"
        ",ADA@example.org,\n"
        "ta,,learner\n"
        "nobody,,\n"
        "hopper,someone@example.org,\n"
        ",,ta\n",
    )
    assert preview.status_code == 200
    assert "confirm_form" not in preview.context
    errors = _row_errors(preview)
    assert sorted(errors) == [2, 3, 4, 5, 6, 7, 8]
    assert errors[2] == {"role": ["'prof' is not a role: use learner, instructor or ta."]}
    assert errors[3] == {"email": ["'bob@' is not an email address."]}
    assert errors[4] == {"username": ["ada is already named in row 1."]}
    assert "already enrolled as Teaching assistant" in errors[5]["role"][0]
    assert "No account is called 'nobody'" in errors[6]["username"][0]
    assert "hopper has another email address" in errors[7]["email"][0]
    assert errors[8] == {"username": ["Give a username or an email."]}
    assert "already enrolled as Teaching assistant" in preview.text
    assert _enrolled(course) == before


def test_a_clean_preview_writes_nothing_until_the_instructor_confirms_it(client, instructor, course, people):
    services.enrolment_set(course=course, user=people[2])
    client.force_login(instructor)
    preview = _upload(
        client, course, "username,email,role,first_name\nada,,,Ada\n,grace@example.org,TA,\nhopper,,learner,\n"
    )

    result = preview.context["result"]
    assert not result.has_validation_errors() and not result.has_errors()
    assert [row.import_type for row in result.rows] == ["new", "new", "skip"]
    assert _enrolled(course) == {"prof": Role.INSTRUCTOR, "ta": Role.TEACHING_ASSISTANT, "hopper": Role.LEARNER}

    done = _confirm(client, preview)
    assert done.status_code == 302 and done.url == reverse("admin:courses_enrolment_changelist")
    assert _enrolled(course) == {
        "prof": Role.INSTRUCTOR,
        "ta": Role.TEACHING_ASSISTANT,
        "hopper": Role.LEARNER,
        "ada": Role.LEARNER,
        "grace": Role.TEACHING_ASSISTANT,
    }
    assert LogEntry.objects.filter(user=instructor).count() == 2


def test_a_file_with_a_byte_order_mark_and_windows_line_endings_imports(client, instructor, course):
    client.force_login(instructor)
    preview = _upload(client, course, "\ufeffUsername, Email ,Role\r\nada,,Learner\r\n\r\ngrace,,Instructor\r\n")

    assert not _row_errors(preview)
    _confirm(client, preview)
    assert _enrolled(course)["ada"] == Role.LEARNER
    assert _enrolled(course)["grace"] == Role.INSTRUCTOR


def test_a_file_without_a_username_or_email_column_is_refused_whole(client, instructor, course):
    client.force_login(instructor)
    preview = _upload(client, course, "login,role\nada,learner\n")

    assert "The file needs a username or an email column (its columns: login, role)." in preview.text
    assert "confirm_form" not in preview.context


def test_an_assistant_cannot_open_or_post_the_import(client, assistant, course):
    client.force_login(assistant)
    listing = client.get(reverse("admin:courses_enrolment_changelist"))
    assert reverse("admin:courses_enrolment_export") in listing.text and IMPORT_URL not in listing.text
    assert client.get(IMPORT_URL).status_code == 403
    assert _upload(client, course, "username\nada\n").status_code == 403
    confirmation = {"import_file_name": "x", "original_file_name": "x", "format": "0"}
    assert client.post(CONFIRM_URL, confirmation).status_code == 403
    assert "ada" not in _enrolled(course)


def test_an_instructor_of_another_course_cannot_import_into_this_one(client, other_instructor, course):
    make_course(code="B", instructors=[other_instructor])
    # Being a teaching assistant of the course is not enough either.
    services.enrolment_set(course=course, user=other_instructor, role=Role.TEACHING_ASSISTANT)
    client.force_login(other_instructor)

    refused = _upload(client, course, "username\nada\n")
    assert refused.status_code == 200
    assert "course" in refused.context["form"].errors
    assert "result" not in refused.context
    assert "ada" not in _enrolled(course)


def test_a_superuser_may_import_into_any_course(client, django_user_model, course):
    root = django_user_model.objects.create_superuser(username="root", password="pw-root-123456")
    client.force_login(root)
    _confirm(client, _upload(client, course, "username\nada\n"))
    assert _enrolled(course)["ada"] == Role.LEARNER


def test_a_preview_can_only_be_confirmed_by_its_instructor_for_its_course(client, instructor, other_instructor, course):
    other_course = make_course(code="B", instructors=[instructor, other_instructor])
    client.force_login(instructor)
    preview = _upload(client, course, "username\nada\n")
    hidden = preview.context["confirm_form"].initial

    client.force_login(other_instructor)
    refused = client.post(CONFIRM_URL, hidden)
    assert "This preview has expired or is not yours" in refused.text
    client.force_login(instructor)
    # The course is not a field of the confirmation: naming another one changes nothing.
    confirmed = client.post(CONFIRM_URL, {**hidden, "course": other_course.pk})
    assert confirmed.status_code == 302
    assert "ada" in _enrolled(course) and "ada" not in _enrolled(other_course)
    assert "was imported already" in client.post(CONFIRM_URL, hidden).text


def test_a_confirmation_after_the_course_changed_writes_nothing(client, instructor, course, people):
    client.force_login(instructor)
    preview = _upload(client, course, "username\nada\ngrace\n")
    services.enrolment_set(course=course, user=people[1], role=Role.TEACHING_ASSISTANT)

    done = _confirm(client, preview)
    assert done.status_code == 302 and done.url == IMPORT_URL
    assert "ada" not in _enrolled(course)
    assert "Nothing was imported" in client.get(IMPORT_URL).text


def test_the_course_page_links_its_instructors_to_the_import(client, instructor, assistant, course):
    page = reverse("admin:courses_course_change", args=[course.pk])
    link = f"{IMPORT_URL}?course={course.pk}"
    client.force_login(instructor)
    assert link in client.get(page).text
    assert client.get(link).context["form"]["course"].value() == str(course.pk)
    client.force_login(assistant)
    assert link not in client.get(page).text


def test_the_export_lists_the_courses_people_and_imports_back_into_another_course(
    client, django_user_model, instructor, course, people
):
    dash = django_user_model.objects.create_user(username="-dash")
    for person in (people[0], dash):
        services.enrolment_set(course=course, user=person)
    make_course(code="Z", instructors=[django_user_model.objects.create_user(username="z")], learners=[people[1]])
    client.force_login(instructor)

    export_url = reverse("admin:courses_enrolment_export")
    assert client.get(export_url).status_code == 200
    fields = {f"enrolmentresource_{name}": "on" for name in ("course", "username", "email", "name", "role")}
    exported = client.post(export_url, {"format": "0", **fields})
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert {row["username"]: row["role"] for row in rows} == {
        "prof": "instructor",
        "ta": "ta",
        "ada": "learner",
        "'-dash": "learner",  # defused for spreadsheets
    }

    again = make_course(code="C", instructors=[instructor])
    preview = _upload(client, again, exported.content.decode("utf-8-sig"))
    assert not _row_errors(preview)
    _confirm(client, preview)
    learners = {"ada": Role.LEARNER, "-dash": Role.LEARNER}
    assert _enrolled(again) == {"prof": Role.INSTRUCTOR, "ta": Role.TEACHING_ASSISTANT, **learners}


def test_enrolment_add_never_changes_a_role(course, people):
    ada = people[0]
    assert services.enrolment_add(course=course, user=ada).role == Role.LEARNER
    assert services.enrolment_add(course=course, user=ada, role=Role.LEARNER).role == Role.LEARNER
    with pytest.raises(ValueError, match="already enrolled as Learner"):
        services.enrolment_add(course=course, user=ada, role=Role.INSTRUCTOR)
    with pytest.raises(ValueError, match="'prof' is not a role"):
        services.enrolment_add(course=course, user=people[1], role="prof")
    assert Enrolment.objects.filter(course=course, user__in=people).count() == 1
