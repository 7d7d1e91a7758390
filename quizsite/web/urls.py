from django.urls import path

from quizsite.web import views

urlpatterns = [
    path("", views.topic_list, name="topic-list"),
    path("exercises/<slug:slug>/", views.exercise_detail, name="exercise-detail"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic-detail"),
    path("quizzes/<slug:slug>/start/", views.quiz_start, name="quiz-start"),
    path("attempts/<uuid:pk>/", views.attempt_detail, name="attempt-detail"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
