from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "quizsite.api"
    label = "api"
