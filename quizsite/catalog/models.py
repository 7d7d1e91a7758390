"""Learning content: topics and coding exercises, synced from files under ``exercises/``."""

import uuid

from django.db import models


class Topic(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "title"]

    def __str__(self) -> str:
        return self.title


class Exercise(models.Model):
    class Difficulty(models.TextChoices):
        EASY = "easy"
        MEDIUM = "medium"
        HARD = "hard"

    # Identity survives renaming the folder: the uuid comes from info.toml.
    uuid = models.UUIDField(unique=True, default=uuid.uuid4)
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="exercises")
    difficulty = models.CharField(max_length=10, choices=Difficulty.choices, default=Difficulty.MEDIUM)
    points = models.PositiveIntegerField(default=10)
    runtime = models.CharField(
        max_length=10,
        choices=[("numpy", "NumPy"), ("torch", "NumPy and PyTorch")],
        default="numpy",
        help_text="What the sandbox preloads for this exercise.",
    )
    statement = models.TextField(help_text="Markdown shown to learners.")
    starter_code = models.TextField()
    # Hidden from learners and the API: the reference solution and the trusted checks.
    solution_code = models.TextField()
    checks_source = models.TextField()
    public_examples = models.JSONField(
        default=list, blank=True, help_text="Names of the checks learners may run as examples (from checks.py)."
    )
    cpu_seconds = models.FloatField(default=2.0)
    wall_seconds = models.FloatField(default=5.0)
    memory_mb = models.PositiveIntegerField(default=1024)
    max_processes = models.PositiveIntegerField(default=16)
    output_kb = models.PositiveIntegerField(default=1024)
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of the exercise's files at the last sync.")
    is_published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["topic__position", "title"]

    def __str__(self) -> str:
        return self.title
