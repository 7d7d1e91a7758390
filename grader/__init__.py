"""Grading: Celery tasks (glue) and the sandbox that runs learner code.

Importing this package must stay cheap and Django-free: the sandbox zygote imports ``grader.sandbox``.
"""
