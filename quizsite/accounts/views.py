from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

# Accounts made by LTI launches are named lti-…; nobody signs up into that namespace.
RESERVED_PREFIX = "lti-"


class SignupForm(UserCreationForm):
    def clean_username(self) -> str:
        username = super().clean_username()
        if username.lower().startswith(RESERVED_PREFIX):
            raise ValidationError(f"Usernames starting with “{RESERVED_PREFIX}” are reserved.")
        return username


def signup(request: HttpRequest) -> HttpResponse:
    """Create a learner account and log it in."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user)
        return redirect("topic-list")
    return render(request, "registration/signup.html", {"form": form})
