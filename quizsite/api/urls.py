from django.urls import path, re_path

from quizsite.api import views

urlpatterns = [
    path("exercises/", views.ExerciseListView.as_view(), name="api-exercise-list"),
    path("exercises/<slug:slug>/", views.ExerciseDetailView.as_view(), name="api-exercise-detail"),
    path(
        "exercises/<slug:slug>/submissions/",
        views.SubmissionCreateView.as_view(),
        name="api-submission-create",
    ),
    path("submissions/", views.SubmissionListView.as_view(), name="api-submission-list"),
    path("submissions/<uuid:pk>/", views.SubmissionDetailView.as_view(), name="api-submission-detail"),
    path("submissions/<uuid:pk>/regrade/", views.SubmissionRegradeView.as_view(), name="api-submission-regrade"),
    path("grades/", views.GradesView.as_view(), name="api-grades"),
    path("topics/", views.TopicListView.as_view(), name="api-topic-list"),
    path("quizzes/", views.QuizListView.as_view(), name="api-quiz-list"),
    path("quizzes/<slug:slug>/attempts/", views.AttemptCreateView.as_view(), name="api-attempt-create"),
    path("attempts/<uuid:pk>/", views.AttemptDetailView.as_view(), name="api-attempt-detail"),
    path(
        "attempts/<uuid:pk>/answers/<slug:question_id>/",
        views.AttemptAnswerView.as_view(),
        name="api-attempt-answer",
    ),
    path("attempts/<uuid:pk>/submit/", views.AttemptSubmitView.as_view(), name="api-attempt-submit"),
    # Last: anything else under /api/v1/ is a problem+json 404.
    re_path(r"^.*$", views.ApiNotFoundView.as_view(), name="api-not-found"),
]
