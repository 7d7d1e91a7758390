from django.urls import path

from quizsite.lti import views

app_name = "lti"

urlpatterns = [
    path("jwks/", views.jwks, name="jwks"),
    path("login/", views.oidc_login, name="login"),
    path("launch/", views.launch, name="launch"),
    path("continue/<str:token>/", views.continue_launch, name="continue"),
    path("deep-link/", views.deep_link_return, name="deep-link"),
    path("register/<str:token>/", views.register, name="register"),
]
