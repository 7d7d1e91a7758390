"""``manage.py create_api_client``: the admin's "add API client" from the command line (for scripts)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from quizsite.accounts.models import Scope
from quizsite.accounts.services import api_client_create


class Command(BaseCommand):
    help = "Create an API client and print its key (shown once; only a digest is stored)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")
        parser.add_argument("--owner", required=True, help="Username of the responsible instructor.")
        parser.add_argument(
            "--scopes", default=",".join(Scope.values), help=f"Comma-separated; default all: {','.join(Scope.values)}"
        )

    def handle(self, *args, name: str, owner: str, scopes: str, **options) -> None:
        try:
            owner_user = get_user_model().objects.get(username=owner, is_staff=True)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no instructor (staff user) named {owner!r}") from None
        try:
            _, key = api_client_create(name=name, owner=owner_user, scopes=[s for s in scopes.split(",") if s])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(key)
