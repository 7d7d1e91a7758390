"""Routes of the stand-in LTI platform process."""

from django.urls import path

from . import views

urlpatterns = [
    path("jwks", views.jwks),
    path(".well-known/openid-configuration", views.openid_configuration),
    path("register", views.register),
    path("auth", views.auth),
    path("token", views.token),
    path("deep_link_return", views.deep_link_return),
    path("contexts/<str:context_id>/lineitems", views.line_items),
    path("contexts/<str:context_id>/lineitems/<int:key>/lineitem", views.line_item),
    path("contexts/<str:context_id>/lineitems/<int:key>/lineitem/scores", views.scores),
    path("contexts/<str:context_id>/lineitems/<int:key>/lineitem/results", views.results),
    path("contexts/<str:context_id>/memberships", views.memberships),
    path("test/state", views.test_state),
    path("test/tools", views.test_tools),
    path("test/registration_tokens", views.test_registration_tokens),
    path("test/launch", views.test_launch),
    path("test/roster", views.test_roster),
    path("test/line_items", views.test_line_items),
    path("test/config", views.test_config),
    path("test/return", views.test_return),
]
