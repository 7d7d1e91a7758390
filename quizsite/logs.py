"""Structured logs: every record carries the request and submission it belongs to.

Context lives in ``contextvars``, bound by the web middleware (request id), the API views (submission
id) and the grading task (submission and task id). A filter on the handler copies it onto every record,
so lines from the sandbox supervisor, Celery or Django carry it without knowing about it. No Django here:
the grader imports this too.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

CONTEXT_FIELDS = ("request_id", "submission_id", "task_id")
_context: dict[str, contextvars.ContextVar[str | None]] = {
    name: contextvars.ContextVar(name, default=None) for name in CONTEXT_FIELDS
}


def bind(**values: str | None) -> list[tuple[contextvars.ContextVar, contextvars.Token]]:
    """Attach values (``request_id``, ``submission_id``, ``task_id``) to every later log record in this
    context; returns tokens for :func:`unbind`."""
    return [(_context[name], _context[name].set(str(value) if value else None)) for name, value in values.items()]


def unbind(tokens: list[tuple[contextvars.ContextVar, contextvars.Token]]) -> None:
    """Restore what :func:`bind` replaced."""
    for variable, token in reversed(tokens):
        variable.reset(token)


@contextlib.contextmanager
def bound(**values: str | None) -> Iterator[None]:
    """:func:`bind` for the duration of a ``with`` block."""
    tokens = bind(**values)
    try:
        yield
    finally:
        unbind(tokens)


def current(name: str) -> str | None:
    """The bound value of one context field, or None."""
    return _context[name].get()


class ContextFilter(logging.Filter):
    """Copies the bound context onto each record (``record.submission_id`` …, None when unbound)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name in CONTEXT_FIELDS:
            if getattr(record, name, None) is None:
                setattr(record, name, _context[name].get())
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the bound context and any exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        entry.update({name: value for name in CONTEXT_FIELDS if (value := getattr(record, name, None))})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    """Human-readable lines for local runs, ending with the bound context as ``key=value``."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = " ".join(f"{name}={value}" for name in CONTEXT_FIELDS if (value := getattr(record, name, None)))
        return f"{line} [{context}]" if context else line
