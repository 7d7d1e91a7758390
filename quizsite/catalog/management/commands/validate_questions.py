"""``manage.py validate_questions``: every question renders, accepts its answer, rejects a wrong one, and every
numeric question states a precision whose correct rounding scores and whose neighbours do not."""

from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from quizsite.catalog.questions import QuestionError, load_bank, self_check


class Command(BaseCommand):
    help = (
        "Check the question bank: each question (each of --seeds seeds if parameterised) renders and scores, "
        "and each numeric one accepts its answer rounded to the precision it states and rejects the neighbours."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seeds", type=int, default=50, help="seeds per parameterised question (default 50)")

    def handle(self, *args, **options) -> None:
        if options["seeds"] < 1:
            raise CommandError("--seeds must be at least 1")
        try:
            bank = load_bank(settings.CONTENT_DIR)
        except QuestionError as exc:
            raise CommandError(str(exc)) from exc
        seeds = range(options["seeds"])
        problems = [problem for question in bank for problem in self_check(question, seeds)]
        for problem in problems:
            self.stdout.write(problem)
        per_topic = Counter(question.topic for question in bank)
        kinds = Counter(question.kind for question in bank)
        generated = sum(question.parameterised for question in bank)
        self.stdout.write(f"{len(bank)} questions, {generated} parameterised; by kind: {dict(kinds)}")
        self.stdout.write(f"by topic: {dict(sorted(per_topic.items()))}")
        if problems:
            raise CommandError(f"{len(problems)} problem(s)")
        self.stdout.write(self.style.SUCCESS("question bank valid"))
