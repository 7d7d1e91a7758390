from django.contrib import admin

from quizsite.learning.models import Attempt, AttemptItem, Submission


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "exercise", "status", "verdict", "score", "attempts", "created_at", "finished_at"]
    list_filter = ["status", "verdict", "exercise"]
    search_fields = ["id", "user__username", "exercise__slug"]
    date_hierarchy = "created_at"
    list_select_related = ["user", "exercise"]
    readonly_fields = [field.name for field in Submission._meta.fields]


class AttemptItemInline(admin.TabularInline):
    model = AttemptItem
    extra = 0
    fields = ["position", "question", "response", "score", "answered_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "quiz", "status", "score", "started_at", "submitted_at"]
    list_filter = ["status", "quiz"]
    search_fields = ["id", "user__username"]
    readonly_fields = [field.name for field in Attempt._meta.fields]
    inlines = [AttemptItemInline]
