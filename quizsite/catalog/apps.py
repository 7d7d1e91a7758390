from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "quizsite.catalog"
    label = "catalog"
