"""Syncable lists (updated_at on attempts, indexed on both) and Idempotency-Key for every resource a POST creates:
keys now name their resource by kind and id, the submissions they held carried over."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models.functions import Coalesce


def stamp_attempts(apps, schema_editor):
    # Each attempt's last change as far as it is known, not one time for all (a sync walks them in order).
    Attempt = apps.get_model("learning", "Attempt")
    Attempt.objects.update(updated_at=Coalesce("submitted_at", "started_at"))


def carry_submission_keys(apps, schema_editor):
    IdempotencyKey = apps.get_model("learning", "IdempotencyKey")
    IdempotencyKey.objects.update(resource="submission", resource_id=models.F("submission_id"))


class Migration(migrations.Migration):
    dependencies = [("learning", "0007_hint_unlocks")]

    operations = [
        migrations.AddField(
            model_name="attempt",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, db_index=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.RunPython(stamp_attempts, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="submission",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, db_index=True),
        ),
        migrations.AddField(
            model_name="idempotencykey",
            name="resource",
            field=models.CharField(
                choices=[("submission", "Submission"), ("attempt", "Attempt"), ("webhook", "Webhook")],
                default="submission",
                max_length=16,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="idempotencykey",
            name="resource_id",
            field=models.UUIDField(null=True),
        ),
        migrations.RunPython(carry_submission_keys, migrations.RunPython.noop),
        migrations.RemoveField(model_name="idempotencykey", name="submission"),
        migrations.AlterField(model_name="idempotencykey", name="resource_id", field=models.UUIDField()),
        migrations.RemoveConstraint(model_name="idempotencykey", name="one_submission_per_key"),
        migrations.AddConstraint(
            model_name="idempotencykey",
            constraint=models.UniqueConstraint(fields=("user", "key"), name="one_resource_per_key"),
        ),
    ]
