"""How an assignment's terms turn a learner's attempts into a mark. No Django here: plain values in and out.

The rules, in order:

1. An attempt before the assignment opens is practice; one after the hard cut-off (the learner's own, if
   they have an extension) does not count either.
2. Of the rest, in time order, only the first ``max_attempts`` count.
3. A counted attempt made after the due date loses ``late_penalty_percent_per_day`` percent of its score
   for each started day of lateness (never below zero).
4. The policy picks the mark: the best penalised score, the latest one, or their average.
5. An override by staff replaces the derived mark.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

BEST, LATEST, AVERAGE = "best", "latest", "average"
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Terms:
    """An assignment's rules for one learner: the assignment's own, with an extension applied."""

    opens_at: datetime | None = None
    due_at: datetime | None = None
    cutoff_at: datetime | None = None
    late_penalty_percent_per_day: float = 0.0
    max_attempts: int | None = None
    policy: str = BEST
    extended: bool = False


@dataclass(frozen=True)
class Try:
    """One graded attempt: when it was made and its score as a fraction of full marks."""

    at: datetime
    score: float


@dataclass(frozen=True)
class Mark:
    """A learner's mark for one assignment."""

    score: float | None  # fraction of the points; None: nothing counted and no override
    raw_score: float | None  # the chosen attempt's score before any late penalty (None for averages)
    counted: int  # attempts that count
    ignored: int  # attempts made before opening, after the cut-off or beyond the attempt limit
    days_late: int  # of the attempt that gave the mark (the latest counted one for averages)
    extended: bool = False
    overridden: bool = False

    @property
    def late(self) -> bool:
        return self.days_late > 0


def days_late(at: datetime, due_at: datetime | None) -> int:
    """Started days after the due date: one second late is one day late."""
    if due_at is None or at <= due_at:
        return 0
    return math.ceil((at - due_at) / _DAY)


def penalised(attempt: Try, terms: Terms) -> float:
    """The attempt's score after the late penalty."""
    factor = 1 - terms.late_penalty_percent_per_day / 100 * days_late(attempt.at, terms.due_at)
    return attempt.score * max(0.0, factor)


def counted_tries(tries: list[Try], terms: Terms) -> list[Try]:
    """The attempts that count, oldest first (rules 1 and 2)."""
    in_window = [
        attempt
        for attempt in sorted(tries, key=lambda attempt: attempt.at)
        if (terms.opens_at is None or attempt.at >= terms.opens_at)
        and (terms.cutoff_at is None or attempt.at <= terms.cutoff_at)
    ]
    return in_window if terms.max_attempts is None else in_window[: terms.max_attempts]


def mark(tries: list[Try], terms: Terms, override: float | None = None) -> Mark:
    """The learner's mark under ``terms``; ``override`` (a fraction), when given, replaces it."""
    counted = counted_tries(tries, terms)
    ignored = len(tries) - len(counted)
    if override is not None:
        return Mark(override, None, len(counted), ignored, 0, terms.extended, overridden=True)
    if not counted:
        return Mark(None, None, 0, ignored, 0, terms.extended)
    if terms.policy == AVERAGE:
        score = sum(penalised(attempt, terms) for attempt in counted) / len(counted)
        return Mark(score, None, len(counted), ignored, days_late(counted[-1].at, terms.due_at), terms.extended)
    if terms.policy == LATEST:
        chosen = counted[-1]
    else:
        # On a tie the earlier attempt is the one that earned the mark.
        chosen = max(counted, key=lambda attempt: (penalised(attempt, terms), -attempt.at.timestamp()))
    return Mark(
        penalised(chosen, terms),
        chosen.score,
        len(counted),
        ignored,
        days_late(chosen.at, terms.due_at),
        terms.extended,
    )
