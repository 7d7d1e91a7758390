from django.urls import path

from quizsite.api import views

urlpatterns = [
    path("exercises/", views.ExerciseListView.as_view(), name="api-exercise-list"),
    path("exercises/<slug:slug>/", views.ExerciseDetailView.as_view(), name="api-exercise-detail"),
    path(
        "exercises/<slug:slug>/submissions/",
        views.SubmissionCreateView.as_view(),
        name="api-submission-create",
    ),
    path("submissions/<uuid:pk>/", views.SubmissionDetailView.as_view(), name="api-submission-detail"),
]
