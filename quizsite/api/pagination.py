"""Pagination: cursors for growing lists (stable under inserts), pages for computed ones (grades)."""

import uuid
from base64 import urlsafe_b64decode, urlsafe_b64encode

from django.db.models import Q
from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.utils.urls import replace_query_param

from quizsite.formats import timestamp


def _page_size(request, param: str, default: int, maximum: int) -> int:
    raw = request.query_params.get(param)
    if raw is None:
        return default
    if not raw.isdecimal() or not 1 <= int(raw) <= maximum:
        raise ValidationError({param: [f"Must be an integer from 1 to {maximum}."]})
    return int(raw)


def _with_examples(schema: dict, next_url: str) -> dict:
    """DRF's page schema with examples of ours (its own are placeholder URLs of another API)."""
    properties = schema["properties"]
    properties["next"]["example"] = next_url
    properties["previous"]["example"] = None
    return schema


class NewestFirstCursorPagination(CursorPagination):
    """Newest first, ``page_size`` up to 200 (50 by default); a malformed ``page_size`` is a 400."""

    ordering = "-created_at"
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    example_next = "https://gym.example/api/v1/webhooks/9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a/deliveries/?cursor=cD0y"

    def get_page_size(self, request) -> int:
        return _page_size(request, self.page_size_query_param, self.page_size, self.max_page_size)

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return _with_examples(super().get_paginated_response_schema(schema), self.example_next)


class SyncCursorPagination(NewestFirstCursorPagination):
    """Newest first by default; ``ordering=updated_at`` walks what changed, oldest change first, which is how a
    client syncs: with ``updated_since`` it reads every change after its last sync, and a row changed while it
    pages moves behind the cursor, to be read again rather than missed.

    The sync walk is a keyset on (``updated_at``, ``id``), forward only: DRF's cursor keeps its place in a run
    of equal timestamps by an offset it caps at 1000, and a regrade stamps all its submissions alike."""

    SYNC = "updated_at"
    example_next = "https://gym.example/api/v1/submissions/?cursor=cD0yMDI2LTExLTI5"
    _sync_next: str | None = None

    def get_ordering(self, request, queryset, view) -> tuple[str, ...]:
        chosen = request.query_params.get("ordering", self.ordering)
        if chosen not in (self.ordering, self.SYNC):
            raise ValidationError({"ordering": [f"Must be {self.ordering} (the default) or {self.SYNC}."]})
        return (chosen,)

    def paginate_queryset(self, queryset, request, view=None):
        if self.get_ordering(request, queryset, view) != (self.SYNC,):
            return super().paginate_queryset(queryset, request, view)
        self.request, self.page_size = request, self.get_page_size(request)
        queryset = queryset.order_by(self.SYNC, "pk")
        raw = request.query_params.get(self.cursor_query_param)
        if raw:
            stamp, pk = self._sync_position(raw)
            queryset = queryset.filter(Q(updated_at__gt=stamp) | Q(updated_at=stamp, pk__gt=pk))
        rows = list(queryset[: self.page_size + 1])
        page = rows[: self.page_size]
        if len(rows) > self.page_size:
            last = page[-1]
            position = urlsafe_b64encode(f"{timestamp(last.updated_at)} {last.pk}".encode()).decode()
            self._sync_next = replace_query_param(request.build_absolute_uri(), self.cursor_query_param, position)
        return page

    def get_next_link(self) -> str | None:
        if self.get_ordering(self.request, None, None) == (self.SYNC,):
            return self._sync_next
        return super().get_next_link()

    def get_previous_link(self) -> str | None:
        if self.get_ordering(self.request, None, None) == (self.SYNC,):
            return None
        return super().get_previous_link()

    def _sync_position(self, raw: str) -> tuple:
        try:
            stamp, pk = urlsafe_b64decode(raw.encode()).decode().split(" ")
            parsed = parse_datetime(stamp)
            if parsed is None:
                raise ValueError(stamp)
            return parsed, uuid.UUID(pk)
        except (ValueError, UnicodeError):
            raise NotFound(self.invalid_cursor_message) from None

    def get_schema_operation_parameters(self, view) -> list[dict]:
        ordering = {
            "name": "ordering",
            "required": False,
            "in": "query",
            "description": f"`{self.ordering}` (newest first, the default) or `{self.SYNC}` (oldest change first, "
            "for syncing with `updated_since`).",
            "schema": {"type": "string", "enum": [self.ordering, self.SYNC]},
        }
        return [*super().get_schema_operation_parameters(view), ordering]


class AttemptCursorPagination(SyncCursorPagination):
    ordering = "-started_at"
    example_next = "https://gym.example/api/v1/attempts/?cursor=cD0yMDI2LTExLTI5"


class GradesPagination(PageNumberPagination):
    """Numbered pages of up to 1000 rows (200 by default), in a stable order (learner, kind, item)."""

    page_size = 200
    max_page_size = 1000
    page_size_query_param = "page_size"

    def get_page_size(self, request) -> int:
        return _page_size(request, self.page_size_query_param, self.page_size, self.max_page_size)

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return _with_examples(
            super().get_paginated_response_schema(schema), "https://gym.example/api/v1/grades/?page=2"
        )
