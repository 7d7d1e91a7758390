from django.urls import path

from quizsite.web import views

urlpatterns = [
    path("", views.topic_list, name="topic-list"),
    path("exercises/<slug:slug>/", views.exercise_detail, name="exercise-detail"),
    path("exercises/<slug:slug>/history/", views.exercise_history, name="exercise-history"),
    path("exercises/<slug:slug>/help/", views.exercise_help, name="exercise-help"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic-detail"),
    path("quizzes/<slug:slug>/start/", views.quiz_start, name="quiz-start"),
    path("attempts/<uuid:pk>/", views.attempt_detail, name="attempt-detail"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("submissions/<uuid:pk>/checks/<int:index>/figure.svg", views.submission_figure, name="submission-figure"),
]
