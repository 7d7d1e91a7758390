"""Reads for regrades: who may regrade what, what a preview found, which exercises have outdated results."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from grader.vocabulary import Verdict
from quizsite.catalog.models import Exercise
from quizsite.courses.selectors import learners_taught_by
from quizsite.learning.models import Regrade, RegradeItem, Submission

ItemStatus = RegradeItem.Status


def submissions_regradable_by(user) -> QuerySet[Submission]:
    """Final graded submissions (not example runs) that ``user`` may regrade: any for a superuser, otherwise
    those of the learners in the courses ``user`` teaches."""
    queryset = Submission.objects.filter(status__in=Submission.FINAL_STATUSES, examples_only=False)
    return queryset if user.is_superuser else queryset.filter(user__in=learners_taught_by(user))


def regrades_visible_to(user) -> QuerySet[Regrade]:
    """The regrades ``user`` may see, apply and cancel: any for a superuser, otherwise those whose every
    submission belongs to a learner ``user`` teaches. Each with ``item_count`` and ``graded_count``."""
    graded = Q(items__status__in=_GRADED)
    queryset = Regrade.objects.select_related("exercise", "requested_by").annotate(
        item_count=Count("items"), graded_count=Count("items", filter=graded)
    )
    if user.is_superuser:
        return queryset
    items = RegradeItem.objects.filter(regrade=OuterRef("pk"))
    foreign = items.exclude(submission__user__in=learners_taught_by(user))
    return queryset.filter(Exists(items)).exclude(Exists(foreign))


def exercises_with_outdated_grades(user) -> list[dict]:
    """Exercises whose final submissions (those ``user`` may regrade) were graded against another version than
    the exercise's current one: per exercise, how many such submissions and how many older versions."""
    outdated = (
        submissions_regradable_by(user)
        .exclude(exercise_version="")
        .exclude(exercise_version=F("exercise__content_hash"))
    )
    rows = outdated.values("exercise", "exercise__slug", "exercise__title", "exercise__content_hash")
    counted = rows.annotate(submissions=Count("pk"), versions=Count("exercise_version", distinct=True))
    return list(counted.order_by("exercise__slug"))


def verdict_change(old: str | None, new: str | None) -> str:
    """How a regrade moves a verdict: improved (now accepted), worse (no longer accepted), changed (another
    failing verdict), unchanged; empty while the new verdict is not known."""
    if new is None:
        return ""
    if old == new:
        return "unchanged"
    if new == Verdict.ACCEPTED:
        return "improved"
    return "worse" if old == Verdict.ACCEPTED else "changed"


@dataclass
class RegradeRow:
    item: RegradeItem
    verdict_change: str
    # New score minus old; None until previewed.
    score_change: float | None


@dataclass
class RegradePreview:
    regrade: Regrade
    # The exercise's content hash now, to compare with the one previewed (``regrade.exercise_version``).
    current_version: str
    rows: list[RegradeRow]
    counts: Counter

    @property
    def checks_changed_since(self) -> bool:
        """The exercise changed after the preview started: applying it would be refused."""
        return self.current_version != self.regrade.exercise_version

    @property
    def finished(self) -> bool:
        return not self.counts["pending"]

    @property
    def applicable(self) -> bool:
        return (
            self.regrade.status in Regrade.OPEN_STATUSES
            and self.counts["previewed"] == self.counts["total"]
            and not self.checks_changed_since
        )


_PROGRESS = {
    ItemStatus.PENDING: "pending",
    ItemStatus.RUNNING: "pending",
    ItemStatus.FAILED: "failed",
    ItemStatus.DONE: "previewed",
    ItemStatus.APPLIED: "applied",
    ItemStatus.SKIPPED: "skipped",
}
_GRADED = {ItemStatus.DONE, ItemStatus.APPLIED, ItemStatus.SKIPPED}


def regrade_preview(regrade: Regrade) -> RegradePreview:
    """Each learner's submission with its old and new verdict and score, and how many changed which way.

    ``counts``: total; pending (not graded yet), failed, previewed, applied, skipped; improved, worse, changed,
    unchanged (verdicts); score_up, score_down, score_same, score_changed.
    """
    items = regrade.items.select_related("submission__user").order_by("submission__user__username", "submission__pk")
    rows, counts = [], Counter()
    for item in items:
        counts["total"] += 1
        counts[_PROGRESS[item.status]] += 1
        graded = item.status in _GRADED
        change = verdict_change(item.old_verdict, item.new_verdict if graded else None)
        score_change = round((item.new_score or 0.0) - (item.old_score or 0.0), 6) if graded else None
        if graded:
            counts[change] += 1
            counts["score_up" if score_change > 0 else "score_down" if score_change < 0 else "score_same"] += 1
        rows.append(RegradeRow(item, change, score_change))
    counts["score_changed"] = counts["score_up"] + counts["score_down"]
    current = Exercise.objects.values_list("content_hash", flat=True).get(pk=regrade.exercise_id)
    return RegradePreview(regrade, current, rows, counts)
