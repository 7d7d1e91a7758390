"""Who may call what: people by role, API clients by the scopes of their key.

A view lists, per HTTP method, the scopes any one of which lets a client through (``client_scopes``);
a method it does not list is open to every client (``OPTIONS``, or a method the view answers with 405).
"""

from __future__ import annotations

from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from quizsite.api.authentication import client_of

READ_CONTENT = ("read:content",)
SUBMIT = ("write:submissions",)
READ_SUBMISSIONS = ("write:submissions", "read:grades")
READ_GRADES = ("read:grades",)
WEBHOOKS = ("admin:webhooks",)


class ClientScopes(BasePermission):
    """An API client needs one of the view's scopes for the method; people pass to the next check."""

    def has_permission(self, request, view) -> bool:
        client = client_of(request)
        if client is None:
            if "X-Learner-Id" in request.headers:
                raise PermissionDenied("X-Learner-Id can only be used with an API client key.")
            return True
        # HEAD is answered by the GET handler, so it needs what GET needs.
        method = "GET" if request.method == "HEAD" else request.method
        needed = getattr(view, "client_scopes", {}).get(method)
        if needed is None or any(client.has_scope(scope) for scope in needed):
            return True
        raise PermissionDenied(f"This API client's key lacks the {' or '.join(needed)} scope.")


class StaffOrClient(BasePermission):
    """Staff, or an API client (whose scopes :class:`ClientScopes` has checked)."""

    message = "Only instructors and API clients may do this."

    def has_permission(self, request, view) -> bool:
        return client_of(request) is not None or bool(request.user and request.user.is_staff)


class ClientOnly(BasePermission):
    """API clients only (webhook endpoints belong to a client)."""

    message = "Webhooks belong to API clients: call this with a client key (Authorization: Bearer …)."

    def has_permission(self, request, view) -> bool:
        return client_of(request) is not None
