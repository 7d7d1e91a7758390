from django import template
from django.utils.safestring import SafeString

from quizsite.web.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    return render_markdown(text)


@register.filter
def get_item(mapping: dict, key: str):
    """``mapping[key]``, or None: templates cannot index a dict by a variable."""
    return mapping.get(key)


@register.filter
def checks_passed(results: list[dict]) -> str:
    """How many of a submission's check results passed, as "k of n"."""
    return f"{sum(bool(result.get('passed')) for result in results)} of {len(results)}"
