"""Runs untrusted learner code in single-use child processes forked from a pre-warmed zygote.

No Django here: the sandbox takes a job description and returns what happened.
"""
