"""The app in a real browser: headless Debian Chromium driven over the DevTools protocol.

No playwright (it would download its own browsers): a small DevTools client on
the `websockets` package that gradio already installs.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
MID_CYCLE = "How does Charter handle mid-cycle cancellations?"
HOSTILE = ("I cancelled in the middle of my billing cycle and Spectrum billed me for the entire month instead of "
           "prorating the final bill. <script>window.__cc_pwned=1</script><img src=x onerror=\"window.__cc_pwned=2\"> "
           "The representative said mid-cycle cancellations are never prorated.")


class Browser:
    """Just enough of the DevTools protocol: call a method, collect events."""

    def __init__(self, profile: Path):
        from websockets.sync.client import connect

        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
             f"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        deadline = time.time() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.time() > deadline or self.process.poll() is not None:
                raise RuntimeError("chromium did not start")
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(t for t in targets if t["type"] == "page")
        self.ws = connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=10, legacy=True)
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=60))
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def js(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait(self, expression: str, timeout: float = 60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.25)
        raise AssertionError(f"timed out waiting for: {expression}")

    def click(self, selector: str) -> None:
        """A real mouse click (some widgets listen to pointer events, not click())."""
        box = self.js(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.scrollIntoView("
                      "{block: 'center'}); const r = e.getBoundingClientRect(); "
                      "return [r.left + r.width / 2, r.top + r.height / 2]; })()")
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def serve(assistant) -> tuple[object, str]:
    import app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo = app.build(assistant)
    app.launch(demo, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    return demo, f"http://127.0.0.1:{port}/"


def ask_in_browser(browser: Browser, url: str, question: str) -> None:
    browser.call("Network.enable")
    browser.call("Page.enable")
    browser.call("Emulation.setDeviceMetricsOverride", width=1500, height=1150, deviceScaleFactor=1, mobile=False)
    browser.call("Page.navigate", url=url)
    browser.wait("!!document.querySelector('#cc-question textarea')")
    browser.js("document.querySelector('#cc-question textarea').focus()")
    browser.call("Input.insertText", text=question)
    browser.js("document.querySelector('#cc-send').click()")
    browser.wait("document.querySelectorAll('#cc-sources .cc-card').length >= 2")
    browser.wait("document.querySelector('#cc-chat').innerText.includes('Filters used')")


@pytest.fixture()
def browser(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    b = Browser(tmp_path / "profile")
    yield b
    b.close()


@pytest.fixture(scope="module")
def hostile_assistant(tmp_path_factory, sample_path):
    """The sample plus one complaint whose text carries markup: a separate index."""
    from assistant import Assistant
    from index import Settings

    home = tmp_path_factory.mktemp("hostile_index")
    extra = home.parent / "hostile.jsonl"
    extra.write_text(json.dumps({
        "company": "Charter Spectrum", "date": "2025-04-18", "type": "Billing Issues", "status": "Answered",
        "narrative": HOSTILE,
        "business_response": "Per the Monthly Subscription policy <b>service</b> is billed to the end of the cycle.",
    }) + "\n")
    a = Assistant.open(settings=Settings.from_env(home=home, chroma_host=""), create=True)
    report = a.ingest([sample_path, extra])
    assert not report.errors
    return a


def test_page_answers_with_source_cards_and_shows_markup_as_text(browser, hostile_assistant):
    demo, url = serve(hostile_assistant)
    try:
        ask_in_browser(browser, url, MID_CYCLE)
        chat = browser.js("document.querySelector('#cc-chat').innerText")
        assert "matching complaints about Charter Spectrum" in chat
        assert browser.js("document.querySelectorAll('#cc-chat a.cc-cite').length") >= 2
        cards = browser.js("document.querySelectorAll('#cc-sources .cc-card').length")
        assert cards >= 2

        # The complaint's markup is on the page as characters, and none of it ran.
        sources = browser.js("document.querySelector('#cc-sources').innerText")
        assert "<script>window.__cc_pwned=1</script>" in sources
        assert "<b>service</b>" in sources
        assert browser.js("typeof window.__cc_pwned") == "undefined"
        assert browser.js("document.querySelectorAll('#cc-sources script, #cc-sources img, #cc-chat script').length") == 0

        # A [n] marker takes the reader to its card.
        browser.js("document.querySelector('#cc-chat a.cc-cite[href=\"#src-2\"]').click()")
        assert browser.wait("document.getElementById('src-2').classList.contains('cc-flash')", timeout=5)

        browser.js("window.scrollTo(0, 0)")
        browser.screenshot(ARTIFACTS / "browser_mid_cycle_hostile.png")

        # Nothing left the machine: every request went to the app itself.
        outside = [u for u in browser.requested_urls()
                   if not u.startswith((url.rstrip("/"), "data:", "blob:", "about:"))]
        assert outside == []
    finally:
        demo.close()


def test_screenshot_of_the_sample(browser, assistant):
    """The README picture: the app answering on the bundled sample."""
    demo, url = serve(assistant)
    try:
        ask_in_browser(browser, url, MID_CYCLE)
        time.sleep(0.5)  # let the last streamed lines settle before the picture
        # Show the question and the start of the answer, not the end the chat scrolled to.
        browser.js("document.querySelectorAll('#cc-chat *').forEach(e => { if (e.scrollHeight > e.clientHeight) "
                   "e.scrollTop = 0; })")
        time.sleep(0.3)
        browser.screenshot(ARTIFACTS / "browser_mid_cycle_sample.png")
        if os.environ.get("UPDATE_DOCS_SCREENSHOT"):
            browser.screenshot(ROOT / "docs" / "screenshot.png")

        # Insights: charts and the table under the (empty) filters; a row opens its card.
        browser.js("[...document.querySelectorAll('button[role=tab]')].find(b => b.innerText.includes('Insights'))"
                   ".click()")
        browser.wait("document.querySelectorAll('#cc-table .virtual-row').length >= 10")
        browser.click("#cc-table .virtual-row .body-cell:nth-child(2)")
        browser.wait("!!document.querySelector('.cc-card[id^=complaint-]')", timeout=20)
        browser.screenshot(ARTIFACTS / "browser_insights.png")
    finally:
        demo.close()
