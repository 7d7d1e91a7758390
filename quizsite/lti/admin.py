"""The LTI admin: platforms (registrations, deployments, keys) for superusers; for a course's instructors,
its LTI link (roster sync, who has not started) and its linked assignments (resend grades, what was sent)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from lti_tool.models import Key, LtiDeployment, LtiRegistration

from quizsite.courses.admin import CourseScoped
from quizsite.lti import passback, registration, selectors
from quizsite.lti.models import CourseContext, LinkedAssignment, RegistrationLink, ScorePassback

admin.site.unregister(LtiRegistration)


class DeploymentInline(admin.TabularInline):
    model = LtiDeployment
    fields = ["deployment_id", "is_active", "datetime_created"]
    readonly_fields = ["datetime_created"]
    extra = 0


@admin.register(LtiRegistration)
class RegistrationAdmin(admin.ModelAdmin):
    """A platform the tool trusts; manual registration is filling this in (see docs/lti.md)."""

    list_display = ["name", "issuer", "client_id", "is_active", "datetime_created"]
    list_filter = ["is_active"]
    fields = ["name", "issuer", "client_id", "audience", "auth_url", "token_url", "keyset_url", "is_active", "uuid"]
    readonly_fields = ["uuid"]
    inlines = [DeploymentInline]
    actions = ["activate", "deactivate"]

    @admin.action(description="Activate the selected registrations and their deployments")
    def activate(self, request, queryset: QuerySet[LtiRegistration]) -> None:
        count = queryset.update(is_active=True)
        LtiDeployment.objects.filter(registration__in=queryset).update(is_active=True)
        self.message_user(request, f"{count} registration(s) activated.")

    @admin.action(description="Deactivate the selected registrations (their launches are refused)")
    def deactivate(self, request, queryset: QuerySet[LtiRegistration]) -> None:
        self.message_user(request, f"{queryset.update(is_active=False)} registration(s) deactivated.")


@admin.register(RegistrationLink)
class RegistrationLinkAdmin(admin.ModelAdmin):
    """One-time links for Dynamic Registration: paste one into Canvas's or Moodle's 'add a tool by URL'."""

    list_display = ["label", "created_by", "created_at", "expires_at", "used_at", "registration"]
    readonly_fields = ["created_by", "created_at", "expires_at", "used_at", "registration"]

    def save_model(self, request, obj: RegistrationLink, form, change: bool) -> None:
        if change:
            return super().save_model(request, obj, form, change)
        token = registration.registration_link_issue(link=obj, by=request.user)
        url = request.build_absolute_uri(reverse("lti:register", args=[token]))
        message = format_html(
            "Registration link (shown only now, works once, for 7 days): <code id='registration-link'>{}</code>", url
        )
        self.message_user(request, message, messages.WARNING)


@admin.register(LtiDeployment)
class DeploymentAdmin(admin.ModelAdmin):
    """Deployments; one the platform launched with but nobody approved waits here, inactive."""

    list_display = ["deployment_id", "registration", "is_active", "datetime_created"]
    list_filter = ["is_active", "registration"]
    actions = ["activate"]

    @admin.action(description="Activate the selected deployments")
    def activate(self, request, queryset: QuerySet[LtiDeployment]) -> None:
        self.message_user(request, f"{queryset.update(is_active=True)} deployment(s) activated.")


@admin.register(Key)
class KeyAdmin(admin.ModelAdmin):
    """The tool's signing keys (``manage.py rotate_keys`` adds one and retires old ones)."""

    list_display = ["__str__", "is_active", "datetime_created"]
    fields = ["public_key", "is_active", "datetime_created"]
    readonly_fields = ["public_key", "datetime_created"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(CourseContext)
class CourseContextAdmin(CourseScoped, admin.ModelAdmin):
    """A course's LTI context: roster sync on demand, and who in the roster has not started."""

    list_display = ["course", "context", "roster_synced_at", "roster_error"]
    fields = ["course", "context", "roster_synced_at", "roster_error", "not_started"]
    readonly_fields = fields
    actions = ["sync_roster"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # made by the first launch from the context

    @admin.display(description="Learners who have not started")
    def not_started(self, obj: CourseContext) -> str:
        people = selectors.learners_not_started(obj.course)
        if not people:
            return "Everyone has started."
        return format_html_join(", ", "{}", ((person.get_full_name() or person.username,) for person in people))

    @admin.action(description="Sync the roster from the platform now")
    def sync_roster(self, request, queryset: QuerySet[CourseContext]) -> None:
        from quizsite.lti.tasks import sync_roster

        for course_context in queryset:
            self.check_writer(request, course_context)
            sync_roster.delay(course_context.pk)
        self.message_user(request, f"Roster sync started for {queryset.count()} course(s).")


@admin.register(LinkedAssignment)
class LinkedAssignmentAdmin(CourseScoped, admin.ModelAdmin):
    """An assignment as the platform links it, and what was sent to its line item."""

    course_path = "assignment__course"
    list_display = ["assignment", "resource_link", "line_item", "failing"]
    fields = ["assignment", "resource_link", "line_item", "sent"]
    readonly_fields = fields
    actions = ["resend_grades"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Scores failing to send")
    def failing(self, obj: LinkedAssignment) -> int:
        return obj.assignment.passbacks.filter(status=ScorePassback.Status.FAILING).count()

    @admin.display(description="Scores")
    def sent(self, obj: LinkedAssignment) -> str:
        rows = obj.assignment.passbacks.select_related("learner")
        return format_html_join(
            "",
            "<div>{}: {} ({}{})</div>",
            (
                (
                    row.learner,
                    row.get_status_display(),
                    row.score_given if row.score_given is not None else "no score",
                    f"; {row.last_error}" if row.last_error else "",
                )
                for row in rows
            ),
        )

    @admin.action(description="Resend grades to the platform")
    def resend_grades(self, request, queryset: QuerySet[LinkedAssignment]) -> None:
        queued = 0
        for link in queryset.select_related("assignment"):
            self.check_writer(request, link)
            queued += passback.assignment_changed(assignment=link.assignment)
        self.message_user(request, f"{queued} score(s) queued to send.", messages.SUCCESS)


@admin.register(ScorePassback)
class ScorePassbackAdmin(admin.ModelAdmin):
    """Every score sent or waiting: failures are listed with the platform's answer and retried by themselves."""

    list_display = [
        "learner",
        "assignment",
        "status",
        "score_given",
        "score_maximum",
        "sent_at",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["status"]
    readonly_fields = [field.name for field in ScorePassback._meta.fields]
    actions = ["retry_now"]

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser  # the retry action; the rows themselves are read-only

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # an outbox row is the record of what the platform was told

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Retry the selected scores now")
    def retry_now(self, request, queryset: QuerySet[ScorePassback]) -> None:
        for row in queryset:
            passback.assignment_changed(assignment=row.assignment, learner_id=row.learner_id)
        self.message_user(request, f"{queryset.count()} score(s) queued to send.")
