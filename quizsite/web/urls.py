from django.urls import path

from quizsite.web import views

urlpatterns = [
    path("", views.topic_list, name="topic-list"),
    path("exercises/<slug:slug>/", views.exercise_detail, name="exercise-detail"),
]
