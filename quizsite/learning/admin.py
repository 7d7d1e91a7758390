from django.contrib import admin

from quizsite.learning.models import Submission


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "exercise", "status", "verdict", "score", "attempts", "created_at", "finished_at"]
    list_filter = ["status", "verdict", "exercise"]
    search_fields = ["id", "user__username", "exercise__slug"]
    date_hierarchy = "created_at"
    list_select_related = ["user", "exercise"]
    readonly_fields = [field.name for field in Submission._meta.fields]
