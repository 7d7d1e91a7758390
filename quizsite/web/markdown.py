"""Markdown to safe HTML for lesson and exercise text."""

import functools

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

_ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "hr", "img", "li", "ol", "p", "pre",
    "strong", "table", "tbody", "td", "th", "thead", "tr", "ul", "sup", "sub",
}  # fmt: skip


@functools.lru_cache(maxsize=512)
def render_markdown(text: str) -> SafeString:
    """Render Markdown and strip anything that could run script (content is also admin-editable).

    Cached by the text itself: pages render the same statements and lessons over and over, and an edit
    is a new text, so nothing stale is ever served."""
    html = markdown_lib.markdown(text, extensions=["fenced_code", "tables", "sane_lists"])
    return mark_safe(nh3.clean(html, tags=_ALLOWED_TAGS))  # noqa: S308 - sanitised by nh3 just above
