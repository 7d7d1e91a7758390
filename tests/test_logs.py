"""Log records carry the request, submission and task they belong to; JSON lines hold them as fields."""

import json
import logging

from quizsite import logs


def _record(message: str = "hello", args: tuple | None = None, **extra) -> logging.LogRecord:
    record = logging.LogRecord("grader.tasks", logging.INFO, __file__, 1, message, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    logs.ContextFilter().filter(record)
    return record


def test_bound_values_reach_every_record_and_are_released_after():
    with logs.bound(submission_id="s-1", task_id="t-1"):
        inside = _record()
    outside = _record()
    assert (inside.submission_id, inside.task_id) == ("s-1", "t-1")
    assert outside.submission_id is None and outside.task_id is None


def test_an_explicit_extra_wins_over_the_bound_value():
    with logs.bound(submission_id="bound"):
        assert _record(submission_id="explicit").submission_id == "explicit"


def test_json_lines_hold_the_context_as_fields():
    with logs.bound(request_id="r-9", submission_id="s-9"):
        line = json.loads(logs.JsonFormatter().format(_record("graded: %s", ("accepted",))))
    assert line["message"] == "graded: accepted" and line["level"] == "INFO" and line["logger"] == "grader.tasks"
    assert line["request_id"] == "r-9" and line["submission_id"] == "s-9" and "task_id" not in line


def test_json_lines_keep_the_traceback_in_one_field():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = _record()
        record.exc_info = sys.exc_info()
    line = json.loads(logs.JsonFormatter().format(record))
    assert "ValueError: boom" in line["exception"]


def test_plain_lines_end_with_the_context():
    formatter = logs.PlainFormatter("%(levelname)s %(message)s")
    with logs.bound(submission_id="s-2"):
        assert formatter.format(_record()) == "INFO hello [submission_id=s-2]"
    assert formatter.format(_record()) == "INFO hello"
