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
]
