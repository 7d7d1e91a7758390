from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "quizsite.api"
    label = "api"

    def ready(self) -> None:
        from quizsite.api import schema  # noqa: F401  (registers the OpenAPI extension)
