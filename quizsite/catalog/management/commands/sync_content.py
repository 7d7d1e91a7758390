"""``manage.py sync_content``: load exercises/ into the database, report what changed, and have every new
version of an exercise validated (learners see it once its validation passes)."""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from kombu.exceptions import OperationalError as BrokerUnavailable

from quizsite.catalog.content import ContentError
from quizsite.catalog.models import ValidationRun
from quizsite.catalog.questions import QuestionError
from quizsite.catalog.quizzes import QuizError
from quizsite.catalog.services import SyncReport, content_sync, validation_run_execute
from quizsite.catalog.validation import zygotes
from quizsite.celery import app


class Command(BaseCommand):
    help = (
        "Sync topics and exercises from the content folder into the database (idempotent). New versions of "
        "exercises are validated by the workers, or here with --validate-now or when no broker answers."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--root", type=Path, default=None, help="Content folder (default: CONTENT_DIR).")
        parser.add_argument(
            "--validate-now",
            action="store_true",
            help="Validate new versions here, in a local sandbox, before returning (default: only when no "
            "broker answers, as before `manage.py serve` has started the embedded one).",
        )

    def handle(self, *args, root: Path | None, validate_now: bool, **options) -> None:
        # Nobody would deliver the messages soon (`make run` syncs before `serve` starts the embedded
        # broker): validate here, so the site shows the exercises as soon as it is up.
        here = validate_now or not _broker_answers()
        try:
            report = content_sync(root=root or settings.CONTENT_DIR, enqueue_validations=not here)
        except (ContentError, QuestionError, QuizError) as exc:
            raise CommandError(f"Content is invalid, nothing was changed: {exc}") from exc
        self._print_changes(report)
        if not report.validations:
            return
        if here:
            self._validate(report.validations)
        else:
            self.stdout.write(f"{len(report.validations)} exercise version(s) queued for validation by the workers")

    def _print_changes(self, report: SyncReport) -> None:
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

    def _validate(self, run_ids: list[int]) -> None:
        self.stdout.write(f"validating {len(run_ids)} exercise version(s) in a local sandbox")
        started = time.monotonic()
        runs = []
        with zygotes(settings.GRADER_SANDBOX) as pool:
            for run_id in run_ids:
                run = validation_run_execute(run_id=run_id, zygotes=pool)
                if run is not None:  # None: a worker took it meanwhile
                    runs.append(run)
        hidden = [run for run in runs if run.status != ValidationRun.Status.PASSED]
        for run in hidden:
            self.stderr.write(self.style.ERROR(f"validation {run.status}: exercise {run.exercise.slug}: {run.message}"))
        self.stdout.write(
            f"{len(runs) - len(hidden)} of {len(runs)} validation(s) passed in {time.monotonic() - started:.1f} s"
        )
        if hidden:
            slugs = ", ".join(run.exercise.slug for run in hidden)
            self.stderr.write(f"hidden from learners until a validation passes: {slugs}")


def _broker_answers() -> bool:
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    except BrokerUnavailable:
        return False
    return True
