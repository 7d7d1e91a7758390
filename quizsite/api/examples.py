"""Request and response examples for the OpenAPI schema, one set per operation (shown in /api/docs/)."""

from drf_spectacular.utils import OpenApiExample

_SUBMISSION_ID = "5b0e4c1e-8f0a-4f55-9b8e-0c1d2e3f4a5b"
_ATTEMPT_ID = "c7d4e2a1-3b5f-4e6d-8a9b-1c2d3e4f5a6b"
_WEBHOOK_ID = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
_DELIVERY_ID = "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"

EXERCISE_LIST = OpenApiExample(
    "Exercises",
    response_only=True,
    value={"slug": "inverted-dropout", "title": "Inverted dropout", "topic": "dropout", "difficulty": "medium",
           "points": 10},
)  # fmt: skip
EXERCISE_DETAIL = OpenApiExample(
    "An exercise",
    response_only=True,
    value={
        "slug": "inverted-dropout", "title": "Inverted dropout", "topic": "dropout", "difficulty": "medium",
        "points": 10, "statement": "Implement `dropout_forward(x, p, training, rng)` …",
        "starter_code": "import numpy as np\n\n\ndef dropout_forward(x, p, training, rng):\n    ...\n",
        "public_examples": [{"call": "dropout_forward(np.ones(4), 0.0, True, rng)", "expected": "[1. 1. 1. 1.]"}],
        "limits": {"cpu_seconds": 2.0, "wall_seconds": 5.0, "memory_mb": 512, "output_kb": 64},
        "content_hash": "3f1c9a…",
    },
)  # fmt: skip
SUBMISSION_CREATE = OpenApiExample(
    "Submit code",
    request_only=True,
    value={
        "code": "import numpy as np\n\ndef dropout_forward(x, p, training, rng):\n    ...\n",
        "examples_only": False,
    },
)
_LEARNER = {"username": "lms3:canvas-101", "external_id": "canvas-101"}
_QUEUED = {
    "id": _SUBMISSION_ID, "exercise": "inverted-dropout", "learner": _LEARNER, "examples_only": False,
    "status": "queued", "verdict": None, "passed": False, "score": None, "results": [], "message": "",
    "output": None, "queue": {"ahead": 3, "expected_wait_seconds": 4, "busy": False}, "regraded": None,
    "exercise_version": "", "created_at": "2026-11-29T10:00:00.000000Z", "finished_at": None,
    "updated_at": "2026-11-29T10:00:00.000000Z",
}  # fmt: skip
_VERSION = "3f1c9a0d5e7b2c4a6f8e1d3b5a7c9e0f2d4b6a8c1e3f5a7b9d0c2e4f6a8b1c3d"
_GRADED = {
    **_QUEUED, "status": "done", "verdict": "wrong_answer", "score": 0.8, "exercise_version": _VERSION,
    "finished_at": "2026-11-29T10:00:01.204117Z", "updated_at": "2026-11-29T10:00:01.204117Z", "queue": None,
    "message": "1 of 5 checks failed.",
    "results": [
        {"name": "Drop rate matches p (binomial test)", "passed": True, "message": "Passed.", "points": 2,
         "hint": None, "figure": None},
        {"name": "Expected output equals the input", "passed": False, "points": 2,
         "message": "with p=0.3 the mean of out should be 3 (within 0.04), got 2.10: scale kept units by 1/(1-p).",
         "hint": "`p` is the probability of *dropping* a unit. What must a kept unit be multiplied by?",
         "figure": None},
    ],
}  # fmt: skip
SUBMISSION_QUEUED = OpenApiExample("Accepted for grading", response_only=True, status_codes=["202"], value=_QUEUED)
SUBMISSION_GRADED = OpenApiExample("Graded", response_only=True, value=_GRADED)
# List examples are one item: drf-spectacular wraps them in the list, or the page, the operation returns.
SUBMISSION_PAGE = OpenApiExample("A page of submissions", response_only=True, value=_GRADED)
REGRADE_QUEUED = OpenApiExample(
    "Queued again",
    response_only=True,
    status_codes=["202"],
    value={
        **_QUEUED,
        "regraded": {"at": "2026-11-30T09:00:00.000000Z", "reason": "Checks fixed", "previous_verdict": "wrong_answer",
                     "previous_score": 0.8, "previous_exercise_version": _VERSION},
    },
)  # fmt: skip
GRADES = OpenApiExample(
    "A page of grades",
    response_only=True,
    value={"learner": _LEARNER, "kind": "exercise", "item": "inverted-dropout", "best": 1.0, "latest": 0.8,
           "points": 10.0, "possible": 10, "tries": 2, "last_at": "2026-11-29T10:00:01.204117Z",
           "updated_at": "2026-11-29T10:00:01.204117Z"},
)  # fmt: skip
GRADES_CSV = OpenApiExample(
    "Grades as CSV",
    response_only=True,
    media_type="text/csv",
    value="learner_username,learner_external_id,kind,item,best,latest,points,possible,tries,last_at,updated_at\r\n"
    "lms3:canvas-101,canvas-101,exercise,inverted-dropout,1.0,0.8,10.0,10,2,2026-11-29T10:00:01.204117Z,"
    "2026-11-29T10:00:01.204117Z\r\n",
)
TOPICS = OpenApiExample(
    "Topics",
    response_only=True,
    value={"slug": "dropout", "title": "Dropout", "position": 4, "lesson": "# Dropout\n\nDuring training …"},
)
_QUIZ = {"slug": "dropout", "title": "Dropout", "description": "Ten questions on dropout.", "mode": "topics",
         "topics": ["dropout"], "question_count": 10, "time_limit_minutes": None, "max_attempts": None}  # fmt: skip
QUIZZES = OpenApiExample("Quizzes", response_only=True, value=_QUIZ)
QUIZ = OpenApiExample("A quiz", response_only=True, value=_QUIZ)
_QUESTION = {
    "id": "dropout-inverted-scale", "kind": "single", "topic": "dropout",
    "prompt": "With inverted dropout and p = 0.2, by what factor are kept activations scaled in training?",
    "options": ["0.8", "1.25", "1", "5"], "response": None,
}  # fmt: skip
_ATTEMPT_SUMMARY = {
    "id": _ATTEMPT_ID, "quiz": "dropout", "learner": _LEARNER, "status": "started",
    "started_at": "2026-11-29T10:00:00.000000Z", "deadline": None, "submitted_at": None, "score": None,
    "topic_scores": {}, "updated_at": "2026-11-29T10:00:00.000000Z",
}  # fmt: skip
_ATTEMPT = {**_ATTEMPT_SUMMARY, "questions": [_QUESTION]}
ATTEMPT_STARTED = OpenApiExample("Started", response_only=True, status_codes=["201"], value=_ATTEMPT)
ATTEMPT_ANSWERED = OpenApiExample(
    "Answer saved",
    response_only=True,
    value={**_ATTEMPT, "status": "answering", "questions": [{**_QUESTION, "response": 1}]},
)
ATTEMPT_GRADED = OpenApiExample(
    "Graded",
    response_only=True,
    value={
        **_ATTEMPT, "status": "graded", "submitted_at": "2026-11-29T10:05:00.000000Z", "score": 1.0,
        "updated_at": "2026-11-29T10:05:00.000000Z",
        "topic_scores": {"dropout": 1.0},
        "questions": [{**_QUESTION, "response": 1, "score": 1.0, "correct_response": 1,
                       "explanation": "Kept units are divided by the keep probability 0.8, i.e. scaled by 1.25."}],
    },
)  # fmt: skip
ATTEMPT_PAGE = OpenApiExample(
    "A page of attempts",
    response_only=True,
    value={**_ATTEMPT_SUMMARY, "status": "graded", "submitted_at": "2026-11-29T10:05:00.000000Z", "score": 1.0,
           "topic_scores": {"dropout": 1.0}, "updated_at": "2026-11-29T10:05:00.000000Z"},
)  # fmt: skip
ANSWER = OpenApiExample("Choose the second option", request_only=True, value={"response": 1})
WEBHOOK_CREATE = OpenApiExample(
    "Register",
    request_only=True,
    value={"url": "https://lms.example/hooks/gym", "events": ["submission.graded", "submission.failed"],
           "description": "Gradebook sync"},
)  # fmt: skip
_WEBHOOK = {
    "id": _WEBHOOK_ID, "url": "https://lms.example/hooks/gym", "events": ["submission.failed", "submission.graded"],
    "description": "Gradebook sync", "is_active": True, "created_at": "2026-11-29T09:00:00.000000Z",
}  # fmt: skip
WEBHOOK_CREATED = OpenApiExample(
    "Registered",
    response_only=True,
    status_codes=["201"],
    value={**_WEBHOOK, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
)
WEBHOOK = OpenApiExample("An endpoint", response_only=True, value=_WEBHOOK)
WEBHOOK_ROTATED = OpenApiExample(
    "New secret", response_only=True, value={**_WEBHOOK, "secret": "whsec_3q2+7wAAAAAeLdWzIsN0hC5YbCv/8k1x"}
)
WEBHOOK_LIST = OpenApiExample("Endpoints", response_only=True, value=_WEBHOOK)
WEBHOOK_PAUSE = OpenApiExample("Pause deliveries", request_only=True, value={"is_active": False})
_DELIVERY = {
    "id": _DELIVERY_ID, "webhook_id": "msg_1a2b3c4d5e6f4a8b9c0d1e2f3a4b5c6d", "event_type": "submission.graded",
    "status": "delivered", "attempts": 2, "next_attempt_at": None, "last_status_code": 204, "last_error": "",
    "created_at": "2026-11-29T10:00:01.204117Z", "delivered_at": "2026-11-29T10:00:06.311002Z",
    "payload": {"type": "submission.graded", "timestamp": "2026-11-29T10:00:01.204117Z",
                "data": {"learner": _LEARNER, "id": _SUBMISSION_ID, "exercise": "inverted-dropout",
                         "status": "done", "verdict": "accepted", "passed": True, "score": 1.0, "message": "",
                         "created_at": "2026-11-29T10:00:00.000000Z", "finished_at": "2026-11-29T10:00:01.204117Z"}},
    "log": [
        {"sent_at": "2026-11-29T10:00:01.204117Z", "status_code": 503, "error": "", "duration_ms": 12},
        {"sent_at": "2026-11-29T10:00:06.311002Z", "status_code": 204, "error": "", "duration_ms": 9},
    ],
}  # fmt: skip
DELIVERY_PAGE = OpenApiExample("Delivery log", response_only=True, value=_DELIVERY)
DELIVERY_REQUEUED = OpenApiExample(
    "Queued to send again",
    response_only=True,
    status_codes=["202"],
    value={
        **_DELIVERY,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": "2026-11-29T11:00:00.000000Z",
        "delivered_at": None,
    },
)
COURSES = OpenApiExample(
    "Courses",
    response_only=True,
    value={"id": "7d6f0c1e-2a8b-4f5e-9c3d-1b2a3c4d5e6f", "title": "Training deep networks", "code": "ML-401",
           "term": "Spring 2027"},
)  # fmt: skip
GRADEBOOK = OpenApiExample(
    "Gradebook",
    response_only=True,
    value={
        "course": {"id": "7d6f0c1e-2a8b-4f5e-9c3d-1b2a3c4d5e6f", "title": "Training deep networks", "code": "ML-401",
                   "term": "Spring 2027"},
        "assignments": [{"id": "0b9e8d7c-6a5f-4e3d-2c1b-0a9f8e7d6c5b", "title": "Inverted dropout",
                         "kind": "exercise", "item": "inverted-dropout", "points": 20, "opens_at": None,
                         "due_at": "2027-03-01T12:00:00.000000Z", "cutoff_at": "2027-03-08T12:00:00.000000Z",
                         "policy": "best"}],
        "learners": [{"learner": _LEARNER,
                      "marks": [{"assignment": "0b9e8d7c-6a5f-4e3d-2c1b-0a9f8e7d6c5b", "score": 0.9, "points": 18.0,
                                 "late": True, "days_late": 1, "extended": False, "overridden": False,
                                 "counted": 2, "ignored": 0}],
                      "points": 18.0, "possible": 20, "percent": 90.0}],
    },
)  # fmt: skip
REFERENCE_SOLUTION = OpenApiExample(
    "The reference solution",
    response_only=True,
    value={
        "exercise": "inverted-dropout",
        "code": "import numpy as np\n\n\ndef dropout_forward(x, p, training, rng):\n    ...\n",
    },
)
