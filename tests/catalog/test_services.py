"""sync_content loads the files, is idempotent, and keeps identity across folder renames; every version of an
exercise is validated before learners see it."""

import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from quizsite.catalog.content import ContentError
from quizsite.catalog.models import Exercise, ValidationRun
from quizsite.catalog.selectors import published_exercises
from quizsite.catalog.services import (
    content_sync,
    exercise_edit,
    validation_run_claim,
    validation_run_execute,
    validation_run_record,
    validation_run_request,
)

ROOT = Path(__file__).resolve().parents[2] / "exercises"


@pytest.fixture
def content_root(tmp_path):
    shutil.copytree(ROOT / "topics", tmp_path / "topics")
    shutil.copytree(ROOT / "inverted-dropout", tmp_path / "inverted-dropout")
    return tmp_path


@pytest.mark.django_db
def test_first_sync_creates_then_second_changes_nothing(content_root):
    first = content_sync(root=content_root)
    assert "exercise inverted-dropout" in first.created
    second = content_sync(root=content_root)
    assert not second.changed
    assert "exercise inverted-dropout" in second.unchanged
    assert Exercise.objects.count() == 1


@pytest.mark.django_db
def test_an_edited_statement_is_reported_as_updated(content_root):
    content_sync(root=content_root)
    statement = content_root / "inverted-dropout" / "statement.md"
    statement.write_text(statement.read_text() + "\nOne more line.\n")
    report = content_sync(root=content_root)
    assert any(item.startswith("exercise inverted-dropout") and "statement" in item for item in report.updated)
    assert "One more line." in Exercise.objects.get().statement


@pytest.mark.django_db
def test_renaming_the_folder_keeps_the_exercise(content_root):
    content_sync(root=content_root)
    original = Exercise.objects.get()
    (content_root / "inverted-dropout").rename(content_root / "dropout-inverted")
    content_sync(root=content_root)
    renamed = Exercise.objects.get()
    assert renamed.pk == original.pk and renamed.slug == "dropout-inverted"


@pytest.mark.django_db
def test_a_removed_folder_unpublishes_without_deleting(content_root):
    content_sync(root=content_root)
    shutil.rmtree(content_root / "inverted-dropout")
    report = content_sync(root=content_root)
    assert report.unpublished == ["exercise inverted-dropout"]
    assert Exercise.objects.get().is_published is False


@pytest.mark.django_db
def test_a_removed_quiz_file_unpublishes_the_quiz(content_root):
    from quizsite.catalog.models import Quiz

    (content_root / "quizzes").mkdir()
    shutil.copy(ROOT / "quizzes" / "dropout.toml", content_root / "quizzes")
    content_sync(root=content_root)
    assert Quiz.objects.get(slug="dropout").is_published
    (content_root / "quizzes" / "dropout.toml").unlink()
    report = content_sync(root=content_root)
    assert "quiz dropout" in report.unpublished
    assert Quiz.objects.get(slug="dropout").is_published is False
    content_sync(root=content_root)
    shutil.copy(ROOT / "quizzes" / "dropout.toml", content_root / "quizzes")
    content_sync(root=content_root)
    assert Quiz.objects.get(slug="dropout").is_published


@pytest.mark.django_db
def test_invalid_content_changes_nothing(content_root):
    info = content_root / "inverted-dropout" / "info.toml"
    info.write_text(info.read_text().replace('topic = "dropout"', 'topic = "no-such-topic"'))
    with pytest.raises(ContentError, match="no-such-topic"):
        content_sync(root=content_root)
    assert not Exercise.objects.exists()


@pytest.mark.django_db
def test_the_command_reports_what_changed(content_root, capsys):
    call_command("sync_content", root=content_root)
    assert "created: exercise inverted-dropout" in capsys.readouterr().out
    call_command("sync_content", root=content_root)
    assert "0 created, 0 updated" in capsys.readouterr().out


# Validation before publish: a version of an exercise reaches learners only once the sandbox proved its checks.


def _slugs(queryset) -> list[str]:
    return sorted(queryset.values_list("slug", flat=True))


def _accepted_wrong_solution(content_root) -> None:
    """Add a 'wrong' solution that is the reference itself: the checks cannot reject it."""
    folder = content_root / "inverted-dropout"
    header = (
        "# Mistake: none, it is the reference; the checks must not be fooled into accepting a wrong one.\n"
        "# Verdict: wrong_answer\n"
        "# Fails: Mask holds only 0 or 1/(1-p), and out = x * mask\n"
    )
    (folder / "wrong" / "copy_of_reference.py").write_text(header + (folder / "solution.py").read_text())


@pytest.mark.django_db
def test_a_synced_exercise_is_hidden_until_its_validation_passes(content_root, zygotes):
    report = content_sync(root=content_root)
    assert len(report.validations) == 1 and _slugs(published_exercises()) == []
    run = validation_run_execute(run_id=report.validations[0], zygotes=zygotes)
    assert run.status == "passed", run.message
    assert {result["sample"] for result in run.results} >= {"solution", "starter", "wrong/no_rescale"}
    assert all(result["ok"] for result in run.results)
    assert _slugs(published_exercises()) == ["inverted-dropout"]


@pytest.mark.django_db
def test_the_wrong_solutions_are_stored_with_their_headers(content_root):
    content_sync(root=content_root)
    stored = {item["name"]: item for item in Exercise.objects.get().wrong_solutions}
    assert stored["no_rescale"]["verdict"] == "wrong_answer"
    assert stored["no_rescale"]["fails"][0] == "Mask holds only 0 or 1/(1-p), and out = x * mask"
    assert stored["no_rescale"]["code"] == (content_root / "inverted-dropout" / "wrong" / "no_rescale.py").read_text()


@pytest.mark.django_db
def test_a_changed_exercise_is_hidden_until_its_new_version_passes(content_root, zygotes):
    first = content_sync(root=content_root)
    validation_run_execute(run_id=first.validations[0], zygotes=zygotes)
    wrong = content_root / "inverted-dropout" / "wrong" / "no_rescale.py"
    wrong.write_text(wrong.read_text() + "\n# One more line.\n")
    second = content_sync(root=content_root)
    assert len(second.validations) == 1 and _slugs(published_exercises()) == []
    assert validation_run_execute(run_id=second.validations[0], zygotes=zygotes).status == "passed"
    assert _slugs(published_exercises()) == ["inverted-dropout"]


@pytest.mark.django_db
def test_a_version_is_validated_once_and_a_reverted_one_is_live_again_at_once(content_root, zygotes):
    validation_run_execute(run_id=content_sync(root=content_root).validations[0], zygotes=zygotes)
    assert content_sync(root=content_root).validations == []
    statement = content_root / "inverted-dropout" / "statement.md"
    original = statement.read_text()
    statement.write_text(original + "\nA typo.\n")
    assert len(content_sync(root=content_root).validations) == 1
    statement.write_text(original)
    assert content_sync(root=content_root).validations == []
    assert _slugs(published_exercises()) == ["inverted-dropout"]


@pytest.mark.django_db
def test_an_accepted_wrong_solution_fails_the_validation_which_names_it(content_root, zygotes):
    _accepted_wrong_solution(content_root)
    run = validation_run_execute(run_id=content_sync(root=content_root).validations[0], zygotes=zygotes)
    assert run.status == "failed"
    failures = [result for result in run.results if not result["ok"]]
    assert [(result["sample"], result["verdict"], result["expected"]) for result in failures] == [
        ("wrong/copy_of_reference", "accepted", "wrong_answer")
    ]
    assert "wrong/copy_of_reference got accepted, must get wrong_answer" in run.message
    assert _slugs(published_exercises()) == []


@pytest.mark.django_db
def test_a_later_failed_validation_of_the_same_version_hides_it(content_root, zygotes):
    validation_run_execute(run_id=content_sync(root=content_root).validations[0], zygotes=zygotes)
    again = validation_run_request(exercise=Exercise.objects.get(), enqueue=False)
    run, token = validation_run_claim(run_id=again.pk)
    failed = {
        "sample": "wrong/no_rescale",
        "verdict": "accepted",
        "expected": "wrong_answer",
        "ok": False,
        "passed_unexpectedly": [],
    }
    assert validation_run_record(run_id=run.pk, token=token, results=[failed]).status == "failed"
    assert _slugs(published_exercises()) == []


@pytest.mark.django_db
def test_a_validation_of_an_old_version_never_publishes_a_newer_one(content_root, zygotes):
    old_run, token = validation_run_claim(run_id=content_sync(root=content_root).validations[0])
    statement = content_root / "inverted-dropout" / "statement.md"
    statement.write_text(statement.read_text() + "\nChanged while the old version was being validated.\n")
    new_run_id = content_sync(root=content_root).validations[0]
    passing = [{"sample": "solution", "verdict": "accepted", "expected": "accepted", "ok": True}]
    assert validation_run_record(run_id=old_run.pk, token=token, results=passing).status == "passed"
    assert _slugs(published_exercises()) == []
    # A run that had not started when its version was replaced grades nothing.
    statement.write_text(statement.read_text() + "\nChanged again.\n")
    newest_run_id = content_sync(root=content_root).validations[0]
    assert validation_run_execute(run_id=new_run_id, zygotes=zygotes).status == "superseded"
    assert ValidationRun.objects.get(pk=newest_run_id).status == "pending"
    assert _slugs(published_exercises()) == []


@pytest.mark.django_db
def test_a_run_is_validated_once_however_often_it_is_delivered(content_root, zygotes):
    run_id = content_sync(root=content_root).validations[0]
    assert validation_run_execute(run_id=run_id, zygotes=zygotes).status == "passed"
    assert validation_run_execute(run_id=run_id, zygotes=zygotes) is None
    assert ValidationRun.objects.get(pk=run_id).attempts == 1


@pytest.mark.django_db
def test_editing_the_reference_in_the_admin_makes_a_new_version_hidden_until_validated(
    content_root, zygotes, instructor
):
    validation_run_execute(run_id=content_sync(root=content_root).validations[0], zygotes=zygotes)
    exercise = Exercise.objects.get()
    before = exercise.content_hash
    exercise.title = "Inverted dropout, retitled"
    assert exercise_edit(exercise=exercise, changed=["title"], requested_by=instructor) is None
    assert _slugs(published_exercises()) == ["inverted-dropout"]
    exercise.solution_code += "\n# An edit in the admin.\n"
    run = exercise_edit(exercise=exercise, changed=["solution_code"], requested_by=instructor)
    assert run.content_hash == exercise.content_hash != before and run.trigger == "admin_edit"
    assert _slugs(published_exercises()) == []
    assert validation_run_execute(run_id=run.pk, zygotes=zygotes).status == "passed"
    assert _slugs(published_exercises()) == ["inverted-dropout"]


@pytest.mark.django_db
def test_the_command_validates_in_a_local_sandbox_when_asked(content_root, capsys):
    call_command("sync_content", root=content_root, validate_now=True)
    assert "1 of 1 validation(s) passed" in capsys.readouterr().out
    assert _slugs(published_exercises()) == ["inverted-dropout"]


@pytest.mark.django_db
def test_the_command_names_the_exercise_a_failed_validation_keeps_hidden(content_root, capsys):
    _accepted_wrong_solution(content_root)
    call_command("sync_content", root=content_root, validate_now=True)
    output = capsys.readouterr()
    assert "0 of 1 validation(s) passed" in output.out
    assert "validation failed: exercise inverted-dropout" in output.err and "wrong/copy_of_reference" in output.err
    assert "hidden from learners until a validation passes: inverted-dropout" in output.err


@pytest.mark.django_db
def test_the_command_leaves_validation_to_the_workers_when_the_broker_answers(content_root, capsys):
    call_command("sync_content", root=content_root)
    assert "1 exercise version(s) queued for validation by the workers" in capsys.readouterr().out
    assert ValidationRun.objects.get().status == "pending"


@pytest.mark.django_db
def test_the_sweeper_sends_again_runs_left_waiting_and_gives_up_on_ones_that_keep_dying(content_root, settings):
    from datetime import timedelta

    from django.utils import timezone

    from quizsite.catalog.services import validation_runs_requeue_stuck

    content_sync(root=content_root)
    exercise = Exercise.objects.get()
    long_ago = timezone.now() - timedelta(hours=1)
    waiting = ValidationRun.objects.get()
    ValidationRun.objects.filter(pk=waiting.pk).update(queued_at=long_ago)
    dying = validation_run_request(exercise=exercise, enqueue=False)
    ValidationRun.objects.filter(pk=dying.pk).update(
        status="running", started_at=long_ago, attempts=settings.GRADING_MAX_ATTEMPTS
    )
    counts = validation_runs_requeue_stuck(queued_for=timedelta(minutes=2), running_for=timedelta(minutes=5))
    assert counts == {"requeued": 1, "given_up": 1}
    assert ValidationRun.objects.get(pk=waiting.pk).queued_at > long_ago
    assert ValidationRun.objects.get(pk=dying.pk).status == "error"
