"""API clients in the admin: create one (its key is shown once), rotate its key, see its learners."""

from django import forms
from django.contrib import admin, messages

from quizsite.accounts import services
from quizsite.accounts.models import ApiClient, ExternalLearner, Scope


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(choices=Scope.choices, widget=forms.CheckboxSelectMultiple, required=False)

    class Meta:
        model = ApiClient
        fields = ["name", "owner", "scopes", "is_active"]


def _show_key(request, client: ApiClient, key: str) -> None:
    messages.warning(
        request, f"API key for “{client}”: {key} (copy it now: it is not stored and cannot be shown again)."
    )


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientForm
    list_display = ["name", "owner", "scope_list", "key_prefix", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "key_prefix", "owner__username"]
    readonly_fields = ["key_prefix", "service_user", "created_at", "last_used_at"]
    actions = ["rotate_keys"]

    @admin.display(description="scopes")
    def scope_list(self, client: ApiClient) -> str:
        return ", ".join(client.scopes)

    def get_changeform_initial_data(self, request) -> dict:
        return {"owner": request.user.pk, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj: ApiClient, form, change: bool) -> None:
        if change:
            obj.save()
            return
        _show_key(request, obj, services.api_client_init(client=obj))

    @admin.action(description="Issue a new key (the old one stops working)")
    def rotate_keys(self, request, queryset) -> None:
        for client in queryset:
            _show_key(request, client, services.api_client_rotate_key(client=client))


@admin.register(ExternalLearner)
class ExternalLearnerAdmin(admin.ModelAdmin):
    list_display = ["external_id", "client", "user", "created_at"]
    list_filter = ["client"]
    search_fields = ["external_id", "user__username"]
    readonly_fields = ["client", "external_id", "user", "created_at"]
