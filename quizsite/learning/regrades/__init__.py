"""Regrading an exercise's submissions after its checks changed: a preview on the workers, then apply.

``services`` (writes), ``selectors`` (reads) and ``admin`` (the staff pages); the preview's grading task is
``grader.tasks.preview_regrade_item``.
"""
