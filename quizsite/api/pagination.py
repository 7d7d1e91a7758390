"""Cursor pagination for growing lists (submissions, webhook deliveries): stable under inserts."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination


class NewestFirstCursorPagination(CursorPagination):
    """Newest first, ``page_size`` up to 200 (50 by default); a malformed ``page_size`` is a 400."""

    ordering = "-created_at"
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdecimal() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError({"page_size": [f"Must be an integer from 1 to {self.max_page_size}."]})
        return int(raw)
