from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "quizsite.learning"
    label = "learning"
