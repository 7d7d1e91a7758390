"""Writes for accounts."""

from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token


def demo_user_ensure(*, username: str, password: str, staff: bool) -> tuple[object, str]:
    """Create (or reset the password of) a demo account; return it with its API token key."""
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.set_password(password)
    user.is_staff = staff
    user.is_superuser = staff
    user.save()
    token, _ = Token.objects.get_or_create(user=user)
    return user, token.key
