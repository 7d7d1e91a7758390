from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


class CatalogConfig(AppConfig):
    name = "quizsite.catalog"
    label = "catalog"

    def ready(self) -> None:
        from quizsite.catalog.models import Exercise, Topic, ValidationRun
        from quizsite.catalog.services import catalogue_changed

        # Cache invalidation, not business logic: a signal reaches every write of these rows, wherever it is
        # made (the admin's own saves and deletes of topics included).
        for model in (Exercise, Topic, ValidationRun):
            post_save.connect(catalogue_changed, sender=model, dispatch_uid=f"catalogue-changed-save-{model.__name__}")
            post_delete.connect(
                catalogue_changed, sender=model, dispatch_uid=f"catalogue-changed-delete-{model.__name__}"
            )
        # A release migrates: what older code cached (its serializers' output, its pickled models) is not read
        # by the new code.
        post_migrate.connect(catalogue_changed, sender=self, dispatch_uid="catalogue-changed-migrate")
