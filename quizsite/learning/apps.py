from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "quizsite.learning"
    label = "learning"

    def ready(self) -> None:
        # Registered here rather than from admin.py, so the regrade pages live with the rest of regrades.
        from quizsite.learning.regrades import admin  # noqa: F401
