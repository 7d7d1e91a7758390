"""Gradient Gym: quizzes and automated grading for machine-learning interview material."""

from quizsite.celery import app as celery_app

__all__ = ["celery_app"]
