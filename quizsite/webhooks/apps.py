from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "quizsite.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
