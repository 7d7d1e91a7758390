"""A gradebook as a file: plain CSV for people, and the layouts Canvas and Moodle import."""

from __future__ import annotations

import csv
import io

from quizsite.courses.selectors import Gradebook
from quizsite.spreadsheets import defuse

LAYOUTS = ("plain", "canvas", "moodle")


def gradebook_csv(book: Gradebook, layout: str = "plain") -> str:
    """The gradebook as CSV text in ``layout`` (one of :data:`LAYOUTS`); raises ``ValueError`` otherwise.

    Every cell goes through :func:`quizsite.spreadsheets.defuse`: names and titles are typed by people.
    """
    writers = {"plain": _plain, "canvas": _canvas, "moodle": _moodle}
    if layout not in writers:
        raise ValueError(f"unknown layout {layout!r}; expected one of {', '.join(LAYOUTS)}")
    out = io.StringIO()
    writers[layout](_DefusingWriter(csv.writer(out)), book)
    return out.getvalue()


class _DefusingWriter:
    def __init__(self, writer) -> None:
        self._writer = writer

    def writerow(self, cells) -> None:
        self._writer.writerow([defuse(cell) for cell in cells])


def mark_points(mark, assignment) -> str:
    """The points a mark earns, two decimals; empty when nothing counts."""
    return "" if mark.score is None else f"{mark.score * assignment.points:.2f}"


def _plain(writer, book: Gradebook) -> None:
    header = ["username", "external_id"]
    for assignment in book.assignments:
        header += [f"{assignment.display_title} (of {assignment.points})", f"{assignment.display_title}: status"]
    writer.writerow([*header, "total points", "total possible", "total %"])
    for row in book.rows:
        cells = [row.learner.username, row.external_id or ""]
        for mark, assignment in zip(row.marks, book.assignments, strict=True):
            cells += [mark_points(mark, assignment), mark_status(mark)]
        writer.writerow([*cells, f"{row.points:.2f}", row.possible, f"{row.percent:.1f}"])


def _canvas(writer, book: Gradebook) -> None:
    # Canvas's gradebook import: identity columns first, a "Points Possible" row, and assignment columns
    # named "Title (id)" so a re-import updates the same column instead of creating a new one.
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    writer.writerow(header + [f"{a.display_title} ({a.pk})" for a in book.assignments])
    writer.writerow(["    Points Possible", "", "", "", ""] + [a.points for a in book.assignments])
    for row in book.rows:
        name = row.learner.get_full_name() or row.learner.username
        identity = [name, "", row.external_id or "", row.learner.username, book.course.code]
        writer.writerow(identity + [mark_points(m, a) for m, a in zip(row.marks, book.assignments, strict=True)])


def _moodle(writer, book: Gradebook) -> None:
    # Moodle's "Import grades from CSV" maps one identity column (username or e-mail) onto its users and
    # each other column onto a grade item chosen at import time.
    writer.writerow(["Username", "Email address"] + [a.display_title for a in book.assignments])
    for row in book.rows:
        marks = [mark_points(m, a) for m, a in zip(row.marks, book.assignments, strict=True)]
        writer.writerow([row.learner.username, row.learner.email, *marks])


def mark_status(mark) -> str:
    """A mark's state in one word or two, as the gradebook shows it."""
    if mark.overridden:
        return "override"
    if mark.score is None:
        return "missing"
    words = ["late" if mark.late else "on time"]
    if mark.extended:
        words.append("extended")
    return ", ".join(words)
