from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from quizsite.catalog import selectors, services
from quizsite.catalog.models import Exercise, Lesson, Question, Quiz, Topic, ValidationRun


def report_table(run: ValidationRun | None) -> str:
    """A validation run's report: its status and message, then one row per sample, expected against got."""
    if run is None:
        return "Not validated yet: learners do not see this version."
    rows = format_html_join(
        "",
        "<tr>" + "<td>{}</td>" * 4 + '<td><strong>{}</strong></td><td style="white-space: pre-wrap">{}</td></tr>',
        (
            (
                result["sample"],
                result["expected"],
                "; ".join(result["fails"]) or "-",
                result["verdict"],
                "yes" if result["ok"] else "NO",
                _explanation(result),
            )
            for result in run.results
        ),
    )
    return format_html(
        "<p><strong>{}</strong> (version {}, {}{}). {}</p>"
        "<table><thead><tr><th>sample</th><th>expected verdict</th><th>must fail</th><th>got</th><th>ok</th>"
        "<th>message</th></tr></thead><tbody>{}</tbody></table>",
        run.status,
        run.content_hash[:12],
        run.get_trigger_display(),
        f", by {run.requested_by}" if run.requested_by else "",
        run.message,
        rows,
    )


def _explanation(result: dict) -> str:
    lines = [result["message"]]
    if result["passed_unexpectedly"]:
        lines.append(f"Passed what it must fail: {'; '.join(result['passed_unexpectedly'])}")
    if result["failed_checks"]:
        lines.append(f"Failed: {'; '.join(result['failed_checks'])}")
    return "\n".join(lines)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "position"]
    ordering = ["position"]


class ValidationRunInline(admin.TabularInline):
    model = ValidationRun
    extra = 0
    fields = ["report_link", "version", "trigger", "requested_by", "status", "created_at", "finished_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="report")
    def report_link(self, run: ValidationRun) -> str:
        return format_html(
            '<a href="{}">run {}</a>', reverse("admin:catalog_validationrun_change", args=[run.pk]), run.pk
        )

    @admin.display(description="version")
    def version(self, run: ValidationRun) -> str:
        return run.content_hash[:12]


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "topic", "difficulty", "points", "is_published", "validation", "updated_at"]
    list_filter = ["topic", "difficulty", "is_published"]
    search_fields = ["title", "slug"]
    # The checks and the wrong solutions are code that runs in the worker: they change only through content
    # files. Editing the reference, the starter or the limits makes a new version, validated before learners
    # see it (services.exercise_edit).
    readonly_fields = [
        "uuid",
        "content_hash",
        "checks_source",
        "wrong_solutions_table",
        "validation_report",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["uuid", "slug", "title", "topic", "difficulty", "points", "is_published"]}),
        ("Validation of the current version", {"fields": ["validation_report"]}),
        ("Learner-facing", {"fields": ["statement", "starter_code"]}),
        (
            "Hidden",
            {
                "fields": ["solution_code", "checks_source", "wrong_solutions_table", "content_hash"],
                "classes": ["collapse"],
            },
        ),
        ("Limits", {"fields": ["cpu_seconds", "wall_seconds", "memory_mb", "max_processes", "output_kb"]}),
    ]
    inlines = [ValidationRunInline]
    actions = ["validate_now"]

    def get_queryset(self, request: HttpRequest):
        return selectors.exercises_with_validation()

    def has_add_permission(self, request: HttpRequest) -> bool:
        # An exercise is a content folder: its checks cannot be written here.
        return False

    def save_model(self, request: HttpRequest, obj: Exercise, form, change: bool) -> None:
        run = services.exercise_edit(exercise=obj, changed=form.changed_data, requested_by=request.user)
        if run is not None:
            messages.warning(request, "This is a new version: learners see it once its validation passes.")

    def get_urls(self):
        view = self.admin_site.admin_view(require_POST(self.validate_view))
        return [path("<int:exercise_id>/validate/", view, name="catalog_exercise_validate"), *super().get_urls()]

    def validate_view(self, request: HttpRequest, exercise_id: int) -> HttpResponse:
        exercise = get_object_or_404(Exercise, pk=exercise_id)
        if not self.has_change_permission(request, exercise):
            raise PermissionDenied
        services.validation_run_request(exercise=exercise, requested_by=request.user)
        messages.success(request, "Validation queued; this page shows its report when it is done.")
        return redirect("admin:catalog_exercise_change", exercise.pk)

    @admin.action(description="Validate now")
    def validate_now(self, request: HttpRequest, queryset) -> None:
        for exercise in queryset:
            services.validation_run_request(exercise=exercise, requested_by=request.user)
        messages.success(request, f"{len(queryset)} validation(s) queued.")

    @admin.display(description="validation of this version")
    def validation(self, exercise: Exercise) -> str:
        return exercise.validation_status or "not requested"

    @admin.display(description="validation report")
    def validation_report(self, exercise: Exercise) -> str:
        return report_table(selectors.latest_validation_run(exercise))

    @admin.display(description="wrong solutions")
    def wrong_solutions_table(self, exercise: Exercise) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (item["name"], item["mistake"], item["verdict"], "; ".join(item["fails"]))
                for item in exercise.wrong_solutions
            ),
        )
        return format_html(
            "<table><thead><tr><th>name</th><th>mistake</th><th>verdict</th><th>must fail</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            rows,
        )


@admin.register(ValidationRun)
class ValidationRunAdmin(admin.ModelAdmin):
    list_display = ["exercise", "version", "status", "trigger", "requested_by", "created_at", "finished_at"]
    list_filter = ["status", "trigger", "exercise"]
    list_select_related = ["exercise", "requested_by"]
    fields = [
        "exercise",
        "content_hash",
        "status",
        "trigger",
        "requested_by",
        "attempts",
        "created_at",
        "started_at",
        "finished_at",
        "report",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # A report is a record of what happened; "Validate now" on the exercise makes a new one.
        return False

    @admin.display(description="version")
    def version(self, run: ValidationRun) -> str:
        return run.content_hash[:12]

    @admin.display(description="report")
    def report(self, run: ValidationRun) -> str:
        return report_table(run)


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["topic"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["key", "topic", "kind", "difficulty", "generator", "is_active"]
    list_filter = ["topic", "kind", "difficulty", "is_active"]
    search_fields = ["key", "prompt"]
    # A parameterised question's text and answer come from code in its topic's questions.py.
    readonly_fields = ["generator"]


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "mode", "question_count", "time_limit_minutes", "max_attempts", "is_published"]
    list_filter = ["mode", "is_published"]
    filter_horizontal = ["topics"]
