"""A stand-in LTI 1.3 platform (an LMS) built on ``lti1p3platform``, run as its own process for e2e tests.

``Platform`` starts and drives it; the pytest fixture ``lti_platform`` is in ``fixtures.py``.
"""

from .harness import AutoSubmitForm, Platform, free_port, parse_form, submit_form

__all__ = ["AutoSubmitForm", "Platform", "free_port", "parse_form", "submit_form"]
