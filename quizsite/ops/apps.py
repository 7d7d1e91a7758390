from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "quizsite.ops"
    label = "ops"
