"""Submissions and quiz attempts in the admin: where instructors review a learner's work.

Both are records of what a learner did, so they are read-only here (no Save); only superusers delete them.
Instructors and teaching assistants see the work of the learners of the courses they teach; superusers see
everything.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import Http404, HttpResponse
from django.utils import timezone

from quizsite.courses.models import Enrolment
from quizsite.courses.selectors import courses_for_staff, learners_taught_by, teaches_any_course
from quizsite.learning import display, exports
from quizsite.learning.models import Attempt, Submission
from quizsite.learning.selectors import attempt_review, submission_previous
from quizsite.learning.services import RegradeRefused, submission_regrade

LEARNER_SEARCH = [
    "user__username",
    "user__first_name",
    "user__last_name",
    "user__email",
    "user__external_identity__external_id",
]
# Shown to the learner beside the new result.
REGRADE_REASON = "Graded again by course staff against the exercise's current checks."


class CourseFilter(admin.SimpleListFilter):
    """Work of the learners of one course, among the courses the viewer teaches."""

    title = "course"
    parameter_name = "course"

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        return [(str(course.pk), str(course)) for course in courses_for_staff(request.user)]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        # Only a course the viewer teaches, whatever the URL says.
        course = courses_for_staff(request.user).filter(pk=self.value())
        return queryset.filter(user__enrolments__course__in=course, user__enrolments__role=Enrolment.Role.LEARNER)


class LearnerWorkAdmin(admin.ModelAdmin):
    """A learner's rows (through ``user``), read-only, seen by the staff of the learner's courses."""

    list_filter = [CourseFilter]
    actions = ["download_grades"]
    # One of the ``exports`` row builders: what "Download grades" writes for the selected rows.
    grade_rows = None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(user__in=learners_taught_by(request.user))

    def has_module_permission(self, request) -> bool:
        return teaches_any_course(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        if obj is None or request.user.is_superuser:
            return teaches_any_course(request.user)
        return learners_taught_by(request.user).filter(pk=obj.user_id).exists()

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # False with view permission: Django shows a read-only page without Save buttons.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Work of a learner the viewer does not teach is simply not found, like a row that does not exist
        # (Django's default, a redirect to the index, reads as success to anything but a person).
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404(f"No {self.opts.verbose_name} with this id among your learners' work.")
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="Id")
    def short_id(self, obj) -> str:
        # The first 8 hex digits tell rows apart and are found by the search; the full UUID crowds out the columns.
        return str(obj.pk)[:8]

    @admin.display(description="Name", ordering="user__last_name")
    def learner_name(self, obj) -> str:
        return obj.user.get_full_name()

    @admin.action(description="Download grades (CSV)")
    def download_grades(self, request, queryset) -> HttpResponse:
        response = HttpResponse(exports.grades_csv(self.grade_rows(queryset)), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.opts.model_name}-grades.csv"'
        return response


@admin.register(Submission)
class SubmissionAdmin(LearnerWorkAdmin):
    list_display = [
        "short_id",
        "user",
        "learner_name",
        "exercise",
        "examples_only",
        "status",
        "verdict",
        "score",
        "created_at",
    ]
    list_filter = [CourseFilter, "status", "verdict", "examples_only", "exercise"]
    search_fields = ["id", *LEARNER_SEARCH, "exercise__slug", "exercise__title"]
    date_hierarchy = "created_at"
    list_select_related = ["user", "exercise"]
    actions = ["regrade", "download_grades"]
    grade_rows = staticmethod(exports.submission_grade_rows)
    # The code, the checks and the output are shown by the template, in their own sections.
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("user", "exercise"),
                    ("status", "verdict", "score"),
                    "message",
                    ("examples_only", "exercise_version"),
                ]
            },
        ),
        ("Timing", {"fields": [("created_at", "queued_at", "started_at", "finished_at"), ("grading_ms", "attempts")]}),
        ("Grading internals", {"classes": ["collapse"], "fields": ["case_seed", "claim_token", "sent_at"]}),
    ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(_submission_review(obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.action(description="Regrade selected")
    def regrade(self, request, queryset) -> None:
        queued = refused = 0
        for submission_id in queryset.values_list("pk", flat=True):
            try:
                submission_regrade(submission_id=submission_id, reason=REGRADE_REASON, by=request.user)
            except RegradeRefused:
                refused += 1
            else:
                queued += 1
        text = f"Regrading: {queued} queued."
        if refused:
            text += f" {refused} refused: still queued or running (only a graded submission can be regraded)."
        self.message_user(request, text, messages.WARNING if refused else messages.SUCCESS)


def _submission_review(submission: Submission) -> dict:
    previous = submission_previous(submission)
    diff = []
    if previous is not None:
        diff = display.diff_lines(
            previous.code,
            submission.code,
            old_label=f"previous ({_when(previous)}, {previous.verdict or previous.status})",
            new_label=f"this submission ({_when(submission)})",
        )
    return {
        "code_html": display.highlight_python(submission.code),
        "code_css": display.code_css(),
        "checks": submission.results,
        "output": submission.output,
        "previous": previous,
        "diff": diff,
    }


def _when(submission: Submission) -> str:
    return timezone.localtime(submission.created_at).strftime("%Y-%m-%d %H:%M:%S")


@admin.register(Attempt)
class AttemptAdmin(LearnerWorkAdmin):
    list_display = ["short_id", "user", "learner_name", "quiz", "status", "score", "started_at", "submitted_at"]
    list_filter = [CourseFilter, "status", "quiz"]
    search_fields = ["id", *LEARNER_SEARCH, "quiz__slug", "quiz__title"]
    list_select_related = ["user", "quiz"]
    grade_rows = staticmethod(exports.attempt_grade_rows)
    # The questions are shown by the template, each with the learner's answer and the key.
    fields = [("user", "quiz"), ("status", "score"), ("started_at", "deadline", "submitted_at"), "topic_breakdown"]
    readonly_fields = ["topic_breakdown"]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["questions"] = attempt_review(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="Score by topic")
    def topic_breakdown(self, attempt: Attempt) -> str:
        return ", ".join(f"{topic}: {score:.0%}" for topic, score in sorted(attempt.topic_scores.items())) or "—"
