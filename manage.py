#!/usr/bin/env python
"""Django's command-line utility."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quizsite.settings")
    # `make run` writes var/.env (DEBUG=1 for a local run), so the README's commands work in a second
    # terminal as they are; the process environment always wins over it.
    from dotenv import load_dotenv

    var_dir = os.environ.get("VAR_DIR") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "var")
    load_dotenv(os.path.join(var_dir, ".env"), override=False)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
