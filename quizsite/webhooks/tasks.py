"""Celery glue for webhook deliveries (queue ``webhooks``); the work is in :mod:`quizsite.webhooks.services`."""

from celery import shared_task

from quizsite.webhooks import services


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_webhook(delivery_id: str) -> str:
    """One attempt at one delivery; safe to run twice (the attempt is claimed first)."""
    return services.delivery_send(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def send_due_webhooks() -> int:
    """Periodic: enqueue deliveries whose retry is due."""
    return services.deliveries_due_send()
