"""``manage.py validate_exercises [slug ...]``: prove each exercise's checks through the real sandbox."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from quizsite.catalog.content import load_exercise, load_exercises
from quizsite.catalog.validation import exercise_validate, zygotes


class Command(BaseCommand):
    help = (
        "Grade every reference, wrong and starter solution; fail unless each gets the verdict it must "
        "(for a wrong solution: the verdict in its header, by failing the checks its header names)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("slugs", nargs="*", help="Exercises to validate (default: all).")

    def handle(self, *args, slugs: list[str], **options) -> None:
        # Named exercises are loaded alone, so one being written elsewhere in the tree does not stop them.
        unknown = sorted(slug for slug in slugs if not (settings.CONTENT_DIR / slug / "info.toml").is_file())
        if unknown:
            raise CommandError(f"unknown exercises: {', '.join(unknown)}")
        chosen = [load_exercise(settings.CONTENT_DIR / slug) for slug in slugs] or load_exercises(settings.CONTENT_DIR)
        self.stdout.write(f"{'exercise':28} {'sample':44} {'expected':22} {'verdict':22} {'score':>6} {'ms':>6}  ok")
        failures = 0
        with zygotes(settings.GRADER_SANDBOX) as started:
            for exercise in chosen:
                for result in exercise_validate(exercise=exercise, zygotes=started):
                    failures += not result.ok
                    self.stdout.write(
                        f"{result.exercise:28} {result.sample:44} {result.expected:22} {result.verdict:22} "
                        f"{result.score:6.2f} {result.milliseconds:6d}  {'yes' if result.ok else 'NO'}"
                    )
                    for name in result.passed_unexpectedly:
                        self.stdout.write(f"{'':28} passed a check its header says it must fail: {name}")
        if failures:
            raise CommandError(f"{failures} sample(s) did not get the verdict they must")
        self.stdout.write(self.style.SUCCESS(f"{len(chosen)} exercise(s) valid"))
