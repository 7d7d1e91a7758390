import math
from html import escape

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from quizsite.web.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    return render_markdown(text)


@register.filter
def get_item(mapping: dict, key: str):
    """``mapping[key]``, or None: templates cannot index a dict by a variable."""
    return mapping.get(key)


def _checks_passed(results: list[dict]) -> str:
    """How many of a submission's check results passed, as "k of n"."""
    return f"{sum(bool(result.get('passed')) for result in results)} of {len(results)}"


@register.simple_tag
def submission_history(submissions: list, exercise) -> SafeString:
    """The learner's latest submissions to ``exercise`` as the page lists them, newest first.

    Built here with plain string formatting, every value escaped: the template engine spent about 0.1 ms on each
    row's dozen variables and dates (and Django's ``format_html`` about half that), a fifth of the exercise
    page's CPU, and the page is what learners load most.
    """
    page = escape(reverse("exercise-detail", args=[exercise.slug]))
    rows = "\n".join(_history_row(submission, page) for submission in submissions)
    return mark_safe(f'<ul class="history" id="history">\n{rows or _NO_HISTORY}\n</ul>')  # noqa: S308 - escaped


_NO_HISTORY = '<li class="muted">None yet.</li>'


def _history_row(submission, page: str) -> str:
    key = escape(str(submission.pk))
    created = timezone.localtime(submission.created_at)
    if not submission.is_final:
        outcome = escape(submission.get_status_display())
    elif submission.examples_only and submission.results:
        outcome = f"{_checks_passed(submission.results)} examples passed"
    else:
        verdict, label = escape(submission.verdict or ""), escape(submission.get_verdict_display() or "")
        outcome = f'<span class="verdict {verdict}">{label}</span>{_percent(" · ", submission.score)}'
    kind, marked = ("Example run", ' class="example-run"') if submission.examples_only else ("Graded", "")
    return (
        f'<li data-submission="{key}"{marked}>\n'
        f'    <a href="{page}?submission={key}#result" data-submission="{key}">'
        f'<time class="local-time" datetime="{created.isoformat()}">{created:%Y-%m-%d %H:%M:%S}</time></a>\n'
        f'    · <span class="tag">{kind}</span> · {outcome}{_regraded(submission)}\n  </li>'
    )


def _regraded(submission) -> str:
    if not submission.regraded_at:
        return ""
    text = f"Regraded on {timezone.localtime(submission.regraded_at):%Y-%m-%d}"
    if submission.regraded_reason:
        text += f": {submission.regraded_reason}"
    previous = submission.previous_result
    if previous:
        text += f" (before: {previous.get_verdict_display() or previous.status}{_percent(', ', previous.score)})"
    return f'\n    <br><span class="regraded">{escape(text)}</span>'


def _percent(separator: str, score: float | None) -> str:
    # As the template's {% widthratio score 1 100 %} rounded it (and showed nothing for a score that is no number).
    return f"{separator}{round(score * 100)}%" if score is not None and math.isfinite(score) else ""
