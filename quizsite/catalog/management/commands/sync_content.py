"""``manage.py sync_content``: load exercises/ into the database and report what changed."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from quizsite.catalog.content import ContentError
from quizsite.catalog.questions import QuestionError
from quizsite.catalog.quizzes import QuizError
from quizsite.catalog.services import content_sync


class Command(BaseCommand):
    help = "Sync topics and exercises from the content folder into the database (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--root", type=Path, default=None, help="Content folder (default: CONTENT_DIR).")

    def handle(self, *args, root: Path | None, **options) -> None:
        try:
            report = content_sync(root=root or settings.CONTENT_DIR)
        except (ContentError, QuestionError, QuizError) as exc:
            raise CommandError(f"Content is invalid, nothing was changed: {exc}") from exc
        for kind, items in (
            ("created", report.created),
            ("updated", report.updated),
            ("unpublished", report.unpublished),
        ):
            for item in items:
                self.stdout.write(f"{kind}: {item}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(report.created)} created, {len(report.updated)} updated, "
                f"{len(report.unchanged)} unchanged, {len(report.unpublished)} unpublished"
            )
        )
