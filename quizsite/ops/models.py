"""Operational state: what each grading worker process last said about its sandbox."""

from django.db import models


class WorkerSandbox(models.Model):
    """One row per worker process and sandbox runtime, updated when the sandbox starts or fails."""

    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    runtime = models.CharField(max_length=10)
    ok = models.BooleanField()
    error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hostname", "pid", "runtime"], name="one_row_per_sandbox")]
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid} {self.runtime} ({'ok' if self.ok else 'unavailable'})"
