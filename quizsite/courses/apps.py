from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "quizsite.courses"
    label = "courses"
    verbose_name = "Courses"
