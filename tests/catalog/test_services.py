"""sync_content loads the files, is idempotent, and keeps identity across folder renames."""

import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from quizsite.catalog.content import ContentError
from quizsite.catalog.models import Exercise
from quizsite.catalog.services import content_sync

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
