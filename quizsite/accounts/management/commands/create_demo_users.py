"""``manage.py create_demo_users``: a demo learner and instructor for local runs."""

from django.core.management.base import BaseCommand

from quizsite.accounts.services import demo_user_ensure

DEMO_USERS = (("learner", "learner-demo-pass", False), ("instructor", "instructor-demo-pass", True))


class Command(BaseCommand):
    help = "Create or reset the demo learner and instructor accounts (local development only)."

    def handle(self, *args, **options) -> None:
        for username, password, staff in DEMO_USERS:
            _, token = demo_user_ensure(username=username, password=password, staff=staff)
            role = "instructor (admin)" if staff else "learner"
            self.stdout.write(f"{role:20} username={username} password={password} api-token={token}")
