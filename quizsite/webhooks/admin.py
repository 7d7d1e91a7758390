"""Webhook endpoints and the delivery log in the admin, with redelivery on demand."""

from django.contrib import admin, messages

from quizsite.webhooks import services
from quizsite.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "client", "events", "is_active", "created_at"]
    list_filter = ["is_active", "client"]
    search_fields = ["url", "description"]


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    fields = ["sent_at", "status_code", "error", "response_excerpt", "duration_ms"]
    readonly_fields = fields
    can_delete = False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["webhook_id", "event_type", "endpoint", "status", "attempts", "last_status_code",
                    "next_attempt_at", "created_at"]  # fmt: skip
    list_filter = ["status", "event_type", "endpoint__client"]
    search_fields = ["id", "endpoint__url"]
    date_hierarchy = "created_at"
    list_select_related = ["endpoint__client"]
    readonly_fields = ["webhook_id", *(field.name for field in WebhookDelivery._meta.fields)]
    inlines = [WebhookAttemptInline]
    actions = ["redeliver"]

    @admin.action(description="Send again now (same webhook-id)")
    def redeliver(self, request, queryset) -> None:
        queued = busy = 0
        for delivery in queryset:
            try:
                services.delivery_redeliver(delivery=delivery)
                queued += 1
            except services.DeliveryBusy:
                busy += 1
        messages.success(request, f"{queued} deliveries queued to be sent again.")
        if busy:
            messages.warning(request, f"{busy} were being sent right now and were left alone; try again shortly.")
