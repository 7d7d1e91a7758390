from django.contrib import admin

from quizsite.catalog.models import Exercise, Lesson, Question, Quiz, Topic


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
