from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "quizsite.web"
    label = "web"
