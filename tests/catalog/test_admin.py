"""Staff see each exercise's validation in the admin, its report sample by sample, and can validate again."""

import pytest
from django.test import Client

from quizsite.catalog.models import Exercise, ValidationRun
from quizsite.catalog.selectors import published_exercises

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model) -> Client:
    browser = Client()
    browser.force_login(django_user_model.objects.create_superuser(username="head", password="pw-head-123456"))
    return browser


def test_the_exercise_page_shows_the_report_of_its_current_version(staff, dropout):
    page = staff.get(f"/admin/catalog/exercise/{dropout.pk}/change/").content.decode()
    assert "Validation of the current version" in page and "passed" in page
    assert "wrong/no_rescale" in page and "wrong_answer" in page and "Validate now" in page
    listing = staff.get("/admin/catalog/exercise/").content.decode()
    assert "Validation of this version" in listing and listing.count(">passed<") == Exercise.objects.count()


def test_the_run_page_renders_a_failed_report_saying_which_sample_failed(staff, dropout):
    run = ValidationRun.objects.create(
        exercise=dropout,
        content_hash=dropout.content_hash,
        trigger="requested",
        status="failed",
        message="1 of 1 samples did not get the verdict they must: wrong/copy got accepted, must get wrong_answer.",
        results=[
            {
                "sample": "wrong/copy",
                "expected": "wrong_answer",
                "fails": ["Backward <multiplies>"],
                "verdict": "accepted",
                "ok": False,
                "message": "All checks passed.",
                "failed_checks": [],
                "passed_unexpectedly": ["Backward <multiplies>"],
                "score": 1.0,
                "milliseconds": 12,
            }
        ],
    )
    page = staff.get(f"/admin/catalog/validationrun/{run.pk}/change/").content.decode()
    assert "wrong/copy got accepted" in page and "<strong>NO</strong>" in page
    assert "Backward &lt;multiplies&gt;" in page and "<multiplies>" not in page
    assert dropout not in published_exercises()


def test_validate_now_queues_a_new_run_of_the_current_version(staff, dropout):
    response = staff.post(f"/admin/catalog/exercise/{dropout.pk}/validate/")
    assert response.status_code == 302
    run = ValidationRun.objects.filter(exercise=dropout).first()
    assert (run.status, run.trigger, run.content_hash) == ("pending", "requested", dropout.content_hash)
    assert run.requested_by.username == "head"
    assert staff.get(f"/admin/catalog/exercise/{dropout.pk}/validate/").status_code == 405


def test_editing_the_reference_in_the_admin_hides_the_exercise_until_its_validation_passes(staff, dropout):
    form = {
        field: getattr(dropout, field)
        for field in [
            "slug",
            "title",
            "difficulty",
            "points",
            "statement",
            "starter_code",
            "cpu_seconds",
            "wall_seconds",
            "memory_mb",
            "max_processes",
            "output_kb",
        ]
    }
    form |= {
        "topic": dropout.topic_id,
        "is_published": "on",
        "solution_code": dropout.solution_code + "\n# Edited in the admin.\n",
        "validation_runs-TOTAL_FORMS": "0",
        "validation_runs-INITIAL_FORMS": "0",
    }
    response = staff.post(f"/admin/catalog/exercise/{dropout.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    edited = Exercise.objects.get(pk=dropout.pk)
    assert edited.content_hash != dropout.content_hash and "Edited in the admin" in edited.solution_code
    assert ValidationRun.objects.get(content_hash=edited.content_hash).trigger == "admin_edit"
    assert dropout not in published_exercises()
