from django.contrib import admin

from quizsite.catalog.models import Exercise, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "position"]
    ordering = ["position"]


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "topic", "difficulty", "points", "is_published", "updated_at"]
    list_filter = ["topic", "difficulty", "is_published"]
    search_fields = ["title", "slug"]
    # The checks are code that runs in the worker: they change only through content files.
    readonly_fields = ["uuid", "content_hash", "checks_source", "updated_at"]
    fieldsets = [
        (None, {"fields": ["uuid", "slug", "title", "topic", "difficulty", "points", "is_published"]}),
        ("Learner-facing", {"fields": ["statement", "starter_code"]}),
        ("Hidden", {"fields": ["solution_code", "checks_source", "content_hash"], "classes": ["collapse"]}),
        ("Limits", {"fields": ["cpu_seconds", "wall_seconds", "memory_mb", "max_processes", "output_kb"]}),
    ]
