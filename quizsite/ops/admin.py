from django.contrib import admin

from quizsite.ops.models import WorkerSandbox


@admin.register(WorkerSandbox)
class WorkerSandboxAdmin(admin.ModelAdmin):
    list_display = ["hostname", "pid", "runtime", "ok", "error", "updated_at"]
    list_filter = ["ok", "runtime"]
    readonly_fields = ["hostname", "pid", "runtime", "ok", "error", "updated_at"]
