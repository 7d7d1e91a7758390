from django.urls import path, re_path

from quizsite.api import course_views, views, webhook_views

urlpatterns = [
    path("exercises/", views.ExerciseListView.as_view(), name="api-exercise-list"),
    path("exercises/<slug:slug>/", views.ExerciseDetailView.as_view(), name="api-exercise-detail"),
    path("exercises/<slug:slug>/reference/", views.ExerciseReferenceView.as_view(), name="api-exercise-reference"),
    path(
        "exercises/<slug:slug>/submissions/",
        views.SubmissionCreateView.as_view(),
        name="api-submission-create",
    ),
    path("submissions/", views.SubmissionListView.as_view(), name="api-submission-list"),
    path("submissions/<uuid:pk>/", views.SubmissionDetailView.as_view(), name="api-submission-detail"),
    path("submissions/<uuid:pk>/regrade/", views.SubmissionRegradeView.as_view(), name="api-submission-regrade"),
    path("grades/", views.GradesView.as_view(), name="api-grades"),
    path("grades/csv/", views.GradesCsvView.as_view(), name="api-grades-csv"),
    path("courses/", course_views.CourseListView.as_view(), name="api-course-list"),
    path("courses/<uuid:pk>/gradebook/", course_views.GradebookView.as_view(), name="api-course-gradebook"),
    path("topics/", views.TopicListView.as_view(), name="api-topic-list"),
    path("quizzes/", views.QuizListView.as_view(), name="api-quiz-list"),
    path("quizzes/<slug:slug>/", views.QuizDetailView.as_view(), name="api-quiz-detail"),
    path("quizzes/<slug:slug>/attempts/", views.AttemptCreateView.as_view(), name="api-attempt-create"),
    path("attempts/", views.AttemptListView.as_view(), name="api-attempt-list"),
    path("attempts/<uuid:pk>/", views.AttemptDetailView.as_view(), name="api-attempt-detail"),
    path(
        "attempts/<uuid:pk>/answers/<slug:question_id>/",
        views.AttemptAnswerView.as_view(),
        name="api-attempt-answer",
    ),
    path("attempts/<uuid:pk>/submit/", views.AttemptSubmitView.as_view(), name="api-attempt-submit"),
    path("webhooks/", webhook_views.WebhookListView.as_view(), name="api-webhook-list"),
    path("webhooks/<uuid:pk>/", webhook_views.WebhookDetailView.as_view(), name="api-webhook-detail"),
    path(
        "webhooks/<uuid:pk>/deliveries/", webhook_views.WebhookDeliveryListView.as_view(), name="api-webhook-deliveries"
    ),
    path(
        "webhooks/<uuid:pk>/rotate-secret/", webhook_views.WebhookRotateSecretView.as_view(), name="api-webhook-rotate"
    ),
    path(
        "webhooks/<uuid:pk>/deliveries/<uuid:delivery_id>/redeliver/",
        webhook_views.WebhookRedeliverView.as_view(),
        name="api-webhook-redeliver",
    ),
    # Last: anything else under /api/v1/ is a problem+json 404.
    re_path(r"^.*$", views.ApiNotFoundView.as_view(), name="api-not-found"),
]
