"""Run the stand-in LTI platform: ``python -m tests.lti.platform --port PORT [--state-dir DIR]``.

A threaded server (the tool may call /token while a browser waits on /auth), on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments, prepare the state dir and serve until killed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--state-dir", default=os.environ.get("LTI_PLATFORM_STATE_DIR"))
    args = parser.parse_args(argv)
    if not args.state_dir:
        parser.error("--state-dir or LTI_PLATFORM_STATE_DIR is required")

    os.environ["LTI_PLATFORM_STATE_DIR"] = args.state_dir
    os.environ["LTI_PLATFORM_BASE_URL"] = f"http://{args.host}:{args.port}"
    # Whatever the parent (pytest) had, this process is its own Django project.
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.lti.platform.settings"

    import django
    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application

    from .store import get_store

    django.setup()
    get_store().initialise()
    print(f"LTI platform on {os.environ['LTI_PLATFORM_BASE_URL']} (state in {args.state_dir})", file=sys.stderr)
    run(args.host, args.port, get_wsgi_application(), threading=True)


if __name__ == "__main__":
    main()
