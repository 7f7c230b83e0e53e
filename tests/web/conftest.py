"""Browser tests: the pages served by ``butler cockpit`` on the demo district, driven in headless Chromium.

The demo district is built once per test run exactly as ``make demo`` builds it (seed, demo users,
lexicon, dispatch model, portraits, associations), then each pytest worker serves its own copy, so a
test that changes an event does not disturb another worker. Playwright drives Debian's Chromium
(no browser download). Every page a test opens is watched: a console error, an uncaught page error
or a failed Dash callback fails the test.
"""

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine

from tests.web import district
from tests.web.district import CHROMIUM, district_env

# As root Chromium needs --no-sandbox; the rest keep it off the (closed) network. See STACK.md.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SCREENS = Path(__file__).resolve().parents[2] / "reports" / "screens"
SERVER_START_SECONDS = 90

if CHROMIUM is None:  # a developer machine without it; .ci/run installs it, so CI always runs these
    pytest.skip("Chromium is not installed (apt install chromium fonts-noto-cjk)", allow_module_level=True)


@pytest.fixture(scope="session")
def demo_district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo district's directory (database and model registry), built once for all workers: by the
    build the run started in the background (tests/conftest.py), else here."""
    directory = district.chosen_directory() or tmp_path_factory.getbasetemp().parent / "demo-district"
    return district.built(directory)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class WebServer:
    url: str
    database_url: str

    def engine(self) -> Engine:
        return create_engine(self.database_url)


@pytest.fixture(scope="session")
def web_server(demo_district: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    """``butler cockpit`` on this worker's own copy of the demo district."""
    own = tmp_path_factory.mktemp("web")
    shutil.copy(demo_district / "demo.db", own / "demo.db")
    env = district_env(own)
    env["BUTLER_VAR_DIR"] = str(demo_district / "var")  # the registered models, read only
    port = _free_port()
    butler = Path(sys.executable).with_name("butler")
    log = open(own / "cockpit.log", "w")
    process = subprocess.Popen(
        [str(butler), "cockpit", "--port", str(port), "--workers", "1", "--threads", "8"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_SECONDS
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"butler cockpit did not start:\n{(own / 'cockpit.log').read_text()[-4000:]}")
        time.sleep(0.3)
    try:
        yield WebServer(url=url, database_url=env["BUTLER_DATABASE_URL"])
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@dataclass
class Watch:
    """What went wrong on a page: console errors, page errors, failed callbacks."""

    problems: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url} {r.failure}"))
        page.on(
            "response",
            lambda r: (
                r.status >= 400
                and "/_dash-" in r.url
                and self.problems.append(f"callback {r.status}: {r.url}")
            ),
        )


def demo_password(username: str) -> str:
    return f"demo-{username}-2026"


@pytest.fixture
def signed_in(browser, web_server: WebServer) -> Iterator[Callable[..., object]]:
    """Open a browser page signed in as a demo user; at the end, no page may have shown a problem."""
    contexts = []
    watch = Watch()

    def open_as(username: str, path: str = "/", *, width: int = 1920, height: int = 1080):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        watch.attach(page)
        page.goto(f"{web_server.url}/login?next={path}")
        page.fill("#username", username)
        page.fill("#password", demo_password(username))
        page.click("#login-submit")
        page.wait_for_url(f"{web_server.url}{path}*")
        wait_for_callbacks(page)
        return page

    yield open_as
    for context in contexts:
        context.close()
    assert watch.problems == [], "\n".join(watch.problems)


def wait_for_callbacks(page, timeout_ms: int = 30_000) -> None:
    """Until Dash has no callback in flight and the page has settled."""
    page.wait_for_load_state("networkidle", timeout=timeout_ms)
    page.wait_for_function(
        "() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=timeout_ms
    )


def screenshot(page, name: str) -> Path:
    """Write reports/screens/NAME.png (committed: what the pages look like)."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
