"""The app in a real browser: headless Debian Chromium driven over the DevTools protocol.

No playwright (it would download its own browsers): a small DevTools client on
the `websockets` package that gradio already installs.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DOCS = ROOT / "docs"
MID_CYCLE = "How does Charter handle mid-cycle cancellations?"
CANCELLATIONS = "How does Charter handle cancellations?"
ROUTER = "Did Charter refund the router return fee?"
# Issue 11: every way complaint text could act on the page, inside one complaint.
HOSTILE = ("Spectrum charged me a router return fee after I returned the router in the store. See invoice line [42] "
           "and footnote [1]. [click](javascript:alert(1)) ![pixel](http://evil.example/track.png) "
           "<script>window.__cc_pwned=1</script><img src=x onerror=\"window.__cc_pwned=2\"> "
           "\u202egnp.exe The router return fee was never refunded.")
# A second company whose complaint types the first one does not have (examples must not mix them).
ACME = [
    {"company": "Acme Lending", "date": "2024-0%d-1%d" % (m, m), "type": "Struggling to pay your loan",
     "status": status, "external_id": str(7000000 + m),
     "narrative": f"Acme Lending kept debiting my account after I asked for a payment plan ({m}).",
     "business_response": "We set up a payment plan and refunded the fees." if status.endswith("relief") else None,
     "labels": {"product": "Payday loan, title loan, or personal loan", "issue": "Struggling to pay your loan",
                "state": "TX", "timely_response": "Yes",
                "company_public_response": "Company has responded to the consumer and the CFPB and chooses not to "
                                           "provide a public response"}}
    for m, status in ((1, "Closed with monetary relief"), (2, "Closed with explanation"),
                      (3, "Closed with monetary relief"))
]


class Browser:
    """Just enough of the DevTools protocol: call a method, collect events."""

    def __init__(self, profile: Path):
        from websockets.sync.client import connect

        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
             f"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank"],
            # Chromium's singleton socket folder goes to TMPDIR and outlives a killed browser:
            # keep it in the profile, which the test's tmp_path removes.
            env={**os.environ, "TMPDIR": str(profile)},
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


def open_page(browser: Browser, url: str, width: int = 1440, height: int = 1000) -> None:
    browser.call("Network.enable")
    browser.call("Page.enable")
    browser.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                 mobile=width < 600)
    # Page.navigate returns before the old page goes: marked, it cannot pass the waits below.
    browser.js("window.__ccStale = true")
    browser.call("Page.navigate", url=url)
    browser.wait("!window.__ccStale && !!document.querySelector('#cc-question textarea') "
                 "&& !!document.querySelector('#cc-send')")
    browser.wait("document.querySelectorAll('.gallery button, [data-testid=dataset] button, table.gallery td, "
                 "#cc-main-row button').length > 0")


def answers(browser: Browser) -> int:
    return browser.js("document.querySelector('#cc-chat').innerText.split('Filters used').length - 1")


def ask(browser: Browser, question: str) -> None:
    before = answers(browser)
    browser.js("document.querySelector('#cc-question textarea').focus()")
    browser.call("Input.insertText", text=question)
    browser.js("document.querySelector('#cc-send').click()")
    browser.wait(f"document.querySelector('#cc-chat').innerText.split('Filters used').length - 1 > {before}", 90)
    time.sleep(0.3)


def text(browser: Browser, selector: str) -> str:
    return browser.js(f"(document.querySelector({json.dumps(selector)}) || {{innerText: ''}}).innerText")


def docs_screenshot(browser: Browser, name: str) -> None:
    """Every run leaves the picture in tests/artifacts; docs/ gets it when missing or when
    UPDATE_DOCS_SCREENSHOTS=1 (so a test run does not rewrite tracked files each time)."""
    browser.screenshot(ARTIFACTS / name)
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS") or not (DOCS / name).exists():
        browser.screenshot(DOCS / name)


def shown(selector: str) -> str:
    """JS: the element is on the page and visible (Gradio drops hidden components from the DOM)."""
    return f"(e => !!e && e.offsetParent !== null)(document.querySelector({json.dumps(selector)}))"


def tab(browser: Browser, name: str) -> None:
    browser.js(f"[...document.querySelectorAll('button[role=tab]')].find(b => b.innerText.includes({json.dumps(name)}))"
               ".click()")


@pytest.fixture(scope="module")
def workbench(tmp_path_factory, sample_path):
    """The sample, one hostile complaint and a second company, in their own index, served once."""
    from assistant import Assistant
    from index import Settings

    home = tmp_path_factory.mktemp("workbench_index")
    extra = home.parent / "extra.jsonl"
    extra.write_text("\n".join(json.dumps(r) for r in [
        {"company": "Charter Spectrum", "date": "2025-04-18", "type": "Billing Issues", "status": "Answered",
         "narrative": HOSTILE, "business_response": "Per the <b>policy</b> the fee [3] stands."}, *ACME]) + "\n")
    a = Assistant.open(settings=Settings.from_env(home=home, chroma_host=""), create=True)
    report = a.ingest([sample_path, extra])
    assert not report.errors
    demo, url = serve(a)
    yield a, url
    demo.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    b = Browser(tmp_path_factory.mktemp("profile"))
    yield b
    b.close()


def test_older_answers_keep_their_own_sources_and_open_them_in_the_panel(browser, workbench):
    _, url = workbench
    open_page(browser, url)
    ask(browser, CANCELLATIONS)
    first = browser.js("[...document.querySelectorAll('#a0-1, #a0-2, #a0-3')].map(c => c.dataset.complaint)")
    assert len(first) == 3
    ask(browser, "and late fees?")
    assert "Read as: “How does Charter handle late fees?”" in text(browser, "#cc-chat")

    # [2] of the first answer opens the first answer's second card, not the late-fee one.
    page_y = browser.js("window.scrollY")
    browser.js("document.querySelector('#cc-chat a.cc-cite[href=\"#a0-2\"]').click()")
    browser.wait("document.getElementById('a0-2').classList.contains('cc-flash')", timeout=5)
    assert browser.js("document.getElementById('a0-2').dataset.complaint") == first[1]
    assert browser.js("document.getElementById('a0-2').offsetParent !== null")
    assert browser.js("document.getElementById('a1-1').offsetParent === null")  # the other answer's cards wait
    # ... inside the sources panel, which scrolls on its own; the page (and the answer) stay put.
    time.sleep(1.2)
    top = browser.js("document.getElementById('a0-2').getBoundingClientRect().top - "
                     "document.getElementById('cc-sources').getBoundingClientRect().top")
    assert 0 <= top < 60
    assert browser.js("document.getElementById('cc-sources').scrollTop") > 0
    assert browser.js("window.scrollY") == page_y

    # The card links back to the marker that cited it.
    browser.js("document.querySelector('#a0-2 a.cc-back').click()")
    browser.wait("!!document.querySelector('#cc-chat a.cc-cite.cc-flash[href=\"#a0-2\"]')", timeout=5)

    # [1] of the second answer still opens the second answer's card.
    browser.js("[...document.querySelectorAll('#cc-chat a.cc-cite[href=\"#a1-1\"]')].pop().click()")
    browser.wait("document.getElementById('a1-1').offsetParent !== null", timeout=5)
    assert "late fee" in text(browser, "#a1-1").lower()


def test_trash_button_starts_a_new_conversation(browser, workbench):
    _, url = workbench
    open_page(browser, url)
    ask(browser, "Which unresolved billing complaints mention a refund?")
    assert browser.js(shown("#cc-chips"))
    browser.js("document.querySelector('#cc-chat button[aria-label=Clear]').click()")
    browser.wait("!document.querySelector('#cc-sources .cc-card')", timeout=10)
    browser.wait("!" + shown("#cc-chips"), timeout=10)
    ask(browser, "and late fees?")
    chat = text(browser, "#cc-chat")
    assert "Read as" not in chat and "unresolved billing" not in chat  # not a follow-up of the cleared question
    assert "Filters used: none" in chat


def test_a_month_is_a_whole_month_and_removing_a_chip_asks_again(browser, workbench):
    _, url = workbench
    open_page(browser, url)
    ask(browser, "Which unresolved billing complaints from April 2025 mention a refund?")
    chat = text(browser, "#cc-chat")
    assert "From = 2025-04-01" in chat and "To = 2025-04-30" in chat  # not "since April 1st, forever"
    assert "Status = Answered or Closed with explanation;" in chat  # monetary relief is not "unresolved"
    chips = browser.js("[...document.querySelectorAll('#cc-chips .token')].map(t => t.innerText)")
    assert any(c.startswith("Status: Answered") for c in chips), chips
    # Remove the status chip: the question is answered again without it.
    browser.js("[...document.querySelectorAll('#cc-chips .token')].find(t => t.innerText.startsWith('Status'))"
               ".querySelector('.token-remove, [role=button], button').click()")
    browser.wait("!document.querySelector('#cc-chat').innerText.includes('Status = Answered')", timeout=60)
    browser.wait("document.querySelector('#cc-chat').innerText.includes('Filters used')", timeout=60)
    chat = text(browser, "#cc-chat")
    assert "Status = " not in chat and "Type = Billing Issues" in chat and "From = 2025-04-01" in chat


def test_a_question_that_only_filters_answers_with_everything_under_its_chip(browser, workbench):
    assistant, url = workbench
    open_page(browser, url)
    ask(browser, "Which complaints got an adjustment?")
    chat = text(browser, "#cc-chat")
    stats = assistant.stats()
    adjusted, total = stats["by_outcome"]["adjustment_applied"], stats["complaints"]
    assert (f"{adjusted} complaints in the index match ({adjusted / total:.1%} of its {total:,}) — every complaint "
            "under the filters") in chat, chat
    chips = browser.js("[...document.querySelectorAll('#cc-chips .token')].map(t => t.innerText)")
    assert any(c.startswith("Outcome: An adjustment") for c in chips), chips
    browser.screenshot(ARTIFACTS / "browser_filter_only.png")


def test_the_april_refund_complaint_is_found(workbench):
    from assistant.chat_session import ChatSession
    from assistant.query_filters import Vocabulary

    assistant, _ = workbench
    turn = ChatSession().prepare("Which unresolved billing complaints from April 2025 mention a refund?",
                                 Vocabulary.from_stats(assistant.stats()), {})
    result = assistant.ask(turn.question, filters=turn.filters)
    assert any(c.date == "2025-04-16" and "refund" in c.narrative.lower() for c in result.citations)


def test_empty_and_overlong_questions_get_a_visible_hint(browser, workbench):
    _, url = workbench
    open_page(browser, url)
    browser.js("document.querySelector('#cc-send').click()")
    browser.wait("document.querySelector('#cc-hint').innerText.includes('The question is empty. Type a question')",
                 timeout=10)
    browser.js("document.querySelector('#cc-question textarea').focus()")
    browser.call("Input.insertText", text="why " * 400)
    browser.js("document.querySelector('#cc-send').click()")
    browser.wait("document.querySelector('#cc-hint').innerText.includes('the limit is 1,000')", timeout=10)
    assert answers(browser) == 0


def test_hostile_complaint_stays_text_and_fetches_nothing(browser, workbench):
    _, url = workbench
    open_page(browser, url)
    browser.events.clear()
    ask(browser, ROUTER)
    browser.wait("document.querySelector('#cc-sources').innerText.includes('invoice line')", timeout=20)
    time.sleep(1)
    sources = text(browser, "#cc-sources")
    at = sources.find("invoice line")
    # Shown as the characters the customer typed, in the card and as inert look-alikes in the answer.
    assert "<script>window.__cc_pwned=1</script>" in sources and "line [42]" in sources, sources[at - 100:at + 600]
    assert browser.js("document.querySelectorAll('#cc-sources a.cc-cite').length") == 0
    assert "\u202e" not in sources and "\u202e" not in text(browser, "#cc-chat")
    assert browser.js("typeof window.__cc_pwned") == "undefined"
    assert browser.js("document.querySelectorAll('#cc-sources script, #cc-sources img, #cc-chat script, "
                      "#cc-chat img').length") == 0
    # The only [n] links in the answer are real citations: each opens a card of this answer.
    links = browser.js("[...document.querySelectorAll('#cc-chat a.cc-cite')].map(a => a.getAttribute('href'))")
    cards = set(browser.js("[...document.querySelectorAll('#cc-sources .cc-card')].map(c => '#' + c.id)"))
    assert links and set(links) <= cards
    assert not browser.js("[...document.querySelectorAll('#cc-chat a, #cc-sources a')].some(a => "
                          "/^javascript:/i.test(a.getAttribute('href') || ''))")
    browser.screenshot(ARTIFACTS / "browser_hostile.png")
    # Nothing left the machine while its answer and card were shown.
    outside = [u for u in browser.requested_urls()
               if not u.startswith((url.rstrip("/"), "data:", "blob:", "about:"))]
    assert outside == []


def test_a_complaints_own_brackets_never_read_as_citations(workbench):
    assistant, _ = workbench
    result = assistant.ask(ROUTER)
    assert "invoice line" in " ".join(c.narrative for c in result.citations)
    refs = {c.ref for c in result.citations}
    from assistant.results import CITATION_MARKER

    assert "⟦42⟧" in result.answer or "line [42]" not in result.answer
    assert {int(n) for n in CITATION_MARKER.findall(result.answer)} <= refs
    assert "[42]" not in result.answer and "![pixel]" not in result.answer


def test_examples_never_mix_companies(workbench):
    import app

    assistant, _ = workbench
    catalog = app.Catalog(assistant)
    examples = catalog.examples(n=10)
    assert any("Acme Lending" in q for q in examples) and any("Charter Spectrum" in q for q in examples)
    for question in examples:
        if "Charter Spectrum" in question:
            assert "loan" not in question.lower()
        if "Acme Lending" in question:
            assert "billing issues" not in question.lower()


def test_insights_bars_labels_comparison_and_cards(browser, workbench):
    _, url = workbench
    open_page(browser, url)
    tab(browser, "Insights")
    browser.wait("document.querySelectorAll('#cc-charts .cc-bars').length >= 3", timeout=30)
    charts = text(browser, "#cc-charts")
    assert "customer_accepted" not in charts and "The customer accepted the resolution" in charts
    # Horizontal bars, largest first, each label on its own readable line.
    counts = browser.js("[...document.querySelectorAll('[data-chart=\"By status\"] .cc-bar-count')]"
                        ".map(e => +e.innerText)")
    assert counts == sorted(counts, reverse=True) and len(counts) >= 3
    heights = browser.js("[...document.querySelectorAll('#cc-charts .cc-bar-label')].map(e => "
                         "e.getBoundingClientRect().height)")
    assert max(heights) < 60  # no letter-by-letter wrapping
    assert browser.js("[...document.querySelectorAll('[data-chart=\"By status\"] .cc-bar-good')].length") >= 2
    # The CFPB's own fields: a breakdown, and a filter that appears because the index holds them.
    assert "Payday loan, title loan, or personal loan" in text(browser, "[data-chart=Product]")
    browser.js("document.querySelector('#cc-filter-accordion button, #cc-filter-accordion .label-wrap').click()")
    browser.wait("[...document.querySelectorAll('#cc-filters label, #cc-filters span')]"
                 ".some(e => e.innerText.trim() === 'Product')", timeout=10)
    compare = text(browser, "#cc-compare-box")
    assert "Acme Lending" in compare and "Charter Spectrum" in compare
    browser.screenshot(ARTIFACTS / "browser_insights.png")

    # A row opens its card, which names the complaint the way its source does.
    browser.js("document.querySelector('#cc-table input, #cc-table textarea') && 0")
    browser.wait("document.querySelectorAll('#cc-table .virtual-row').length >= 10")
    row = browser.js("[...document.querySelectorAll('#cc-table .virtual-row')].findIndex(r => "
                     "r.innerText.includes('Acme Lending'))")
    assert row >= 0
    browser.click(f"#cc-table .virtual-row:nth-child({row + 1}) .body-cell:nth-child(2)")
    browser.wait("!!document.querySelector('.cc-card[id^=complaint-] .cc-id a')", timeout=20)
    href = browser.js("document.querySelector('.cc-card[id^=complaint-] .cc-id a').href")
    assert href.startswith("https://www.consumerfinance.gov/data-research/consumer-complaints/search/detail/700000")
    assert browser.js("document.querySelector('.cc-card[id^=complaint-] .cc-id a').rel") == "noopener noreferrer"
    picked_card = text(browser, ".cc-card[id^=complaint-]")
    assert "CFPB RESPONSE CATEGORY" in picked_card.upper() and "Product: Payday loan" in picked_card
    assert "No business response in the record" in picked_card or "payment plan" in picked_card
    assert "c-" not in text(browser, "#cc-table")


def test_ingest_tab_table(browser, workbench, tmp_path):
    _, url = workbench
    open_page(browser, url)
    tab(browser, "Ingest")
    time.sleep(0.5)
    # Before any ingest: no empty table with "1 2 3" headers.
    assert not browser.js(shown("#cc-ingest-table"))
    bad = tmp_path / "broken_export.jsonl"
    bad.write_text("{not json at all\n")
    good = tmp_path / "acme_more.jsonl"
    good.write_text(json.dumps({**ACME[0], "external_id": "7000009", "narrative": "A fourth Acme complaint."}) + "\n")
    zipped = tmp_path / "acme_zipped.zip"  # an archive uploads as the file it holds
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("acme.jsonl", json.dumps({**ACME[0], "external_id": "7000010",
                                                   "narrative": "A fifth Acme complaint, zipped."}) + "\n")
    browser.call("DOM.enable")
    root = browser.call("DOM.getDocument")["root"]["nodeId"]
    node = browser.call("DOM.querySelector", nodeId=root, selector="input[type=file]")["nodeId"]
    browser.call("DOM.setFileInputFiles", nodeId=node, files=[str(bad), str(good), str(zipped)])
    # All uploaded: each shows its size.
    browser.wait("document.body.innerText.includes('acme_more') && "
                 "(document.body.innerText.match(/\\d+(\\.\\d+)?\\s[kKM]?B/g) || []).length >= 3", timeout=30)
    browser.js("document.querySelector('#cc-ingest').click()")
    browser.wait("document.querySelector('#cc-ingest-summary').innerText.includes('added')", timeout=120)
    browser.wait(shown("#cc-ingest-table"), timeout=20)
    headers = browser.js("[...document.querySelectorAll('#cc-ingest-table th')].map(h => h.innerText.trim())"
                         ".filter(Boolean)")
    assert headers[:3] == ["file", "complaints", "added"], headers
    heights = browser.js("[...document.querySelectorAll('#cc-ingest-table th')].map(h => h.getBoundingClientRect().height)")
    assert max(heights) < 60, heights  # headers do not wrap letter by letter
    table = text(browser, "#cc-ingest-table")
    assert "broken_export.jsonl" in table and "acme_zipped.zip" in table
    assert "2 added" in text(browser, "#cc-ingest-summary")
    assert re.search(r"line 1: invalid JSON \(Expecting property name[^\n]*\)", table), table  # not cut
    assert browser.js("[...document.querySelectorAll('#cc-ingest-table td')].every(c => "
                      "c.scrollWidth <= c.clientWidth + 2)")
    browser.screenshot(ARTIFACTS / "browser_ingest.png")


def test_screenshots_at_desktop_and_phone_width(browser, workbench):
    _, url = workbench
    open_page(browser, url, 1440, 1000)
    ask(browser, CANCELLATIONS)
    time.sleep(0.5)
    browser.js("document.querySelectorAll('#cc-chat *').forEach(e => { if (e.scrollHeight > e.clientHeight) "
               "e.scrollTop = 0; })")
    # Exports and a link that repeats the question with its filters.
    assert browser.js(shown("#cc-export-md")) and browser.js(shown("#cc-export-csv"))
    assert "q=How+does+Charter+handle+cancellations" in browser.js("document.querySelector('a.cc-permalink').getAttribute('href')")
    time.sleep(0.3)
    docs_screenshot(browser, "screenshot-1440.png")

    # Phone: the question box is on the first screen, the filters wait folded below.
    open_page(browser, url, 390, 844)
    bottom = browser.js("document.querySelector('#cc-question').getBoundingClientRect().bottom")
    assert bottom <= 844, bottom
    assert browser.js("document.querySelector('#cc-filters').getBoundingClientRect().top") > bottom
    docs_screenshot(browser, "screenshot-390.png")

    # A permalink fills the question and its filters back in.
    browser.call("Page.navigate", url=url + "?q=Do+they+waive+late+fees%3F&since=2025-04-01")
    browser.wait("(document.querySelector('#cc-question textarea') || {}).value === 'Do they waive late fees?'",
                 timeout=30)


def test_an_answers_matching_set_opens_in_insights_and_exports(browser, workbench):
    assistant, url = workbench
    open_page(browser, url)
    ask(browser, CANCELLATIONS)
    count = assistant.ask(CANCELLATIONS).to_dict()["matching"]["count"]
    assert count >= 3
    assert "Sources as CSV" in text(browser, "#cc-export-csv")
    assert f"matching set ({count})" in text(browser, "#cc-open-set")
    browser.js("document.querySelector('#cc-open-set').click()")
    browser.wait(f"(document.querySelector('#cc-summary') || {{innerText: ''}}).innerText"
                 f".includes('{count} complaints')", timeout=30)
    assert "whole matching set" in text(browser, "#cc-summary")
    browser.wait(f"document.querySelectorAll('#cc-table .virtual-row').length === {count}", timeout=20)
    # The whole set as CSV is written when asked for, not with every answer.
    assert text(browser, "#cc-insights-csv") == ""
    assert f"All {count} as CSV" in text(browser, "#cc-insights-prepare")
    browser.js("document.querySelector('#cc-insights-prepare').click()")
    browser.wait(f"(document.querySelector('#cc-insights-csv') || {{innerText: ''}}).innerText"
                 f".includes('Download {count} complaints')", timeout=30)
