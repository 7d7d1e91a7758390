"""Page weight of the learner's pages, and how soon each is usable, in Chromium against a running server.

    .venv/bin/python bench/page_weight.py [URL] [--username learner] [--password learner-demo-pass]
        [--topic dropout] [--exercise batch-norm] [--runs 3] [--slow-4g] [--ready JS]

URL defaults to http://127.0.0.1:8000 (``make run``; bench/README.md says how to serve static files
compressed, as in production). Logs in as the given learner (``make run``'s demo learner by default),
then loads, each time with an empty cache: home, a topic's lesson page, an attempt of that topic's quiz
(resumed if one is in progress, else started) and an exercise page. Per page, the median over ``--runs``: requests,
bytes on the wire (Chromium's ``encodedDataLength``: compressed bodies plus headers), bytes after
decompression, and milliseconds from navigation to usable: for the exercise page until the editor
(``document.getElementById('code').gymEditor``) exists and its element is visible (``--ready`` takes
another JS expression, e.g. for an older page), for the others until the load event. ``--slow-4g``
emulates 150 ms RTT, 1.6 Mbit/s down, 750 kbit/s up. Prints Markdown.
Uses Debian's /usr/bin/chromium (``CHROMIUM_PATH`` to override); never downloads a browser.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from dataclasses import dataclass, field

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic"]
# Chrome DevTools' "Slow 4G" preset, in the units CDP wants (bytes per second, milliseconds).
SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 750e3 / 8}
# The exercise page is usable once the editor exists and shows: ``--ready`` replaces this (a JS expression).
EDITOR_READY = (
    "(element => Boolean(element && element.offsetWidth > 0 && element.offsetHeight > 0))"
    "(document.getElementById('code')?.gymEditor?.view?.dom)"
)


@dataclass
class Load:
    """One page load: what crossed the network and when the page was usable."""

    requests: int = 0
    wire_bytes: int = 0
    body_bytes: int = 0
    usable_ms: float = 0.0
    by_type: dict[str, int] = field(default_factory=dict)


def measure(context: BrowserContext, url: str, *, ready: str | None, slow: bool) -> Load:
    """Load ``url`` in a fresh tab with the cache off and return what it cost."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if slow:
        cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    load, types = Load(), {}
    cdp.on("Network.responseReceived", lambda event: types.__setitem__(event["requestId"], event["type"]))
    cdp.on("Network.dataReceived", lambda event: _add_body(load, event))
    cdp.on("Network.loadingFinished", lambda event: _add_wire(load, event, types))
    started = time.perf_counter()
    page.goto(url, wait_until="load", timeout=120_000)
    if ready:
        page.wait_for_function(f"() => {ready}", timeout=120_000, polling=10)
    load.usable_ms = (time.perf_counter() - started) * 1000
    page.wait_for_load_state("networkidle")
    page.close()
    return load


def _add_body(load: Load, event: dict) -> None:
    load.body_bytes += event["dataLength"]


def _add_wire(load: Load, event: dict, types: dict[str, str]) -> None:
    kind = types.get(event["requestId"], "Other")
    load.requests += 1
    load.wire_bytes += int(event["encodedDataLength"])
    load.by_type[kind] = load.by_type.get(kind, 0) + int(event["encodedDataLength"])


def log_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def attempt_url(page: Page, base: str, topic: str) -> str:
    """The URL of an attempt in progress of ``topic``'s quiz, started (or resumed) from the topic page
    and, where there is one, the quiz's start page."""
    page.goto(f"{base}/topics/{topic}/")
    start = re.compile(r"^(Start|Resume)")
    while not re.search(r"/attempts/[0-9a-f-]+/$", page.url):
        page.get_by_role("button", name=start).or_(page.get_by_role("link", name=start)).first.click()
        page.wait_for_load_state()
    return page.url


def run(browser: Browser, args: argparse.Namespace) -> dict[str, list[Load]]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    setup = context.new_page()
    log_in(setup, args.url, args.username, args.password)
    pages = {
        "home": (f"{args.url}/", None),
        f"lesson ({args.topic})": (f"{args.url}/topics/{args.topic}/", None),
        f"quiz attempt ({args.topic})": (attempt_url(setup, args.url, args.topic), None),
        f"exercise ({args.exercise})": (f"{args.url}/exercises/{args.exercise}/", args.ready),
    }
    setup.close()
    results = {name: [measure(context, url, ready=ready, slow=args.slow_4g) for _ in range(args.runs)]
               for name, (url, ready) in pages.items()}  # fmt: skip
    context.close()
    return results


def report(results: dict[str, list[Load]], args: argparse.Namespace) -> str:
    network = "emulated slow 4G (150 ms RTT, 1.6 Mbit/s down)" if args.slow_4g else "loopback, no throttling"
    lines = [
        f"{args.url}, {network}, empty cache, median of {args.runs} loads",
        "",
        "| page | requests | transferred (KB) | of which scripts (KB) | uncompressed (KB) | usable after (ms) |",
        "|---|---|---|---|---|---|",
    ]
    for name, loads in results.items():
        requests = statistics.median(load.requests for load in loads)
        wire = statistics.median(load.wire_bytes for load in loads) / 1000
        scripts = statistics.median(load.by_type.get("Script", 0) for load in loads) / 1000
        body = statistics.median(load.body_bytes for load in loads) / 1000
        usable = statistics.median(load.usable_ms for load in loads)
        lines.append(f"| {name} | {requests:.0f} | {wire:.1f} | {scripts:.1f} | {body:.1f} | {usable:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default="learner")
    parser.add_argument("--password", default="learner-demo-pass")
    parser.add_argument("--topic", default="dropout")
    parser.add_argument("--exercise", default="batch-norm")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ready", default=EDITOR_READY, help="JS expression: the exercise page is usable")
    parser.add_argument("--slow-4g", action="store_true", help="emulate 150 ms RTT, 1.6 Mbit/s down")
    args = parser.parse_args()
    args.url = args.url.rstrip("/")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        try:
            print(report(run(browser, args), args))
        finally:
            browser.close()


if __name__ == "__main__":
    main()
