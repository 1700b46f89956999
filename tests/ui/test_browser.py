"""The real page in a real browser: Debian's chromium driven by Playwright."""

import shutil

import pytest

from tests.conftest import ARTIFACTS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-dev-shm-usage"]
TABS = ["Text", "Image", "Audio", "Music", "Arena", "Evaluation", "Metrics"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not shutil.which("chromium"):
        pytest.fail("Debian's chromium is missing: `make test` installs it as root; else `sudo apt-get install chromium`.")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(browser, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_url, wait_until="load")  # not networkidle: the session heartbeat stays open
    page.get_by_text("Show me something new").first.wait_for(timeout=30000)
    yield page
    page.close()


def test_the_first_screen_shows_samples_and_links_to_their_tabs(page):
    """The showcase draws one of each in one click; the model table waits, collapsed."""
    ARTIFACTS.mkdir(exist_ok=True)
    assert not page.get_by_text("Registered models").first.is_visible()  # collapsed
    page.get_by_role("button", name="Show me something new").click()
    page.wait_for_function("() => document.querySelector('#showcase-text textarea')?.value.length > 0", timeout=30000)
    page.locator("#showcase-image img").first.wait_for(timeout=10000)
    page.locator("#showcase-audio [data-testid='waveform-controls'], #showcase-audio button").first.wait_for(timeout=10000)
    assert "FID-FMNIST" in page.inner_text("#showcase")
    page.screenshot(path=str(ARTIFACTS / "showcase.png"), full_page=False)
    page.get_by_role("button", name="Open the Images tab").click()
    page.get_by_role("tab", name="Image", selected=True).wait_for(timeout=10000)


def test_header_overview_and_all_tabs(page):
    assert page.get_by_text("AIGC Studio").first.is_visible()
    page.get_by_text("All models (").first.click()  # open the collapsed overview
    overview = page.get_by_text("Registered models").first
    overview.wait_for(timeout=10000)
    page.get_by_text("dcgan").first.wait_for(timeout=10000)  # the table's rows render after its header
    text = page.inner_text("body")
    for name in ("dcgan", "vae", "diffusion", "FID-FMNIST", "real data"):
        assert name in text
    for tab in TABS:
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / f"tab_{tab.lower()}.png"), full_page=True)
    page.get_by_role("tab", name="Text").click()
    assert page.locator("#text-prompt textarea").is_visible() and page.get_by_text("Examples (English and Chinese)").is_visible()
    page.get_by_role("tab", name="Audio").click()
    assert page.locator("#audio-text textarea, #audio-text input").first.is_visible()
    page.get_by_role("tab", name="Evaluation").click()
    for heading in ("Shipped metrics", "Measure an image model now", "Measure an audio model now",
                    "Measure a text model now", "Score your own images", "Score your own clips",
                    "Score your own texts", "Is it copying?", "Is it copying? (text)", "BLEU calculator"):
        assert page.get_by_text(heading).first.is_visible(), heading
    page.get_by_role("tab", name="Metrics").click()
    for heading in ("Models compared", "Text: quality against diversity", "Training curves",
                    "What the model drew during training", "What the language models wrote during training"):
        assert page.get_by_text(heading).first.is_visible(), heading


def test_stream_text_in_the_browser(page):
    page.get_by_role("tab", name="Text").click()
    from playwright.sync_api import expect

    page.get_by_role("button", name="春眠不觉晓，").first.click()  # a Chinese example fills the prompt
    prompt = page.locator("#text-prompt textarea")
    expect(prompt).to_have_value("春眠不觉晓，", timeout=5000)
    prompt.fill("A friend is")
    page.get_by_role("button", name="Generate", exact=True).click()
    page.get_by_text("stopped by").first.wait_for(timeout=30000)
    assert page.locator("#text-output textarea").input_value().startswith("A friend is")
    assert "effective seed" in page.inner_text("body")
    page.get_by_role("button", name="Stop").click()  # after the end: harmless, the page keeps working
    page.get_by_text("Two models side by side").click()
    page.get_by_role("button", name="Compare", exact=True).click()
    page.get_by_label("Model B").first.wait_for()
    page.wait_for_function("() => document.body.innerText.split('stopped by').length >= 4", timeout=30000)
    page.screenshot(path=str(ARTIFACTS / "text_generated.png"), full_page=True)


def test_the_next_line_of_a_poem_in_the_browser(page):
    page.get_by_role("tab", name="Text").click()
    page.get_by_text("Next line of a poem (").first.click()
    page.locator("#poem-line textarea, #poem-line input").first.fill("床前明月光")
    page.get_by_role("button", name="Write the next line").click()
    page.wait_for_function("() => (document.querySelector('#poem-beam textarea, #poem-beam input')?.value || '').length > 0",
                           timeout=30000)
    page.locator(".js-plotly-plot:visible").first.wait_for(timeout=15000)  # the attention heat map
    page.screenshot(path=str(ARTIFACTS / "poem_next_line.png"), full_page=True)


def test_generate_images_in_the_browser(page):
    page.get_by_role("tab", name="Image").click()
    page.get_by_role("button", name="Generate", exact=True).click()
    page.wait_for_function("() => /\\d+ images\\s+from/.test(document.body.innerText)", timeout=30000)
    images = page.locator(".gallery img, [data-testid='gallery'] img, button img")
    assert images.count() >= 1
    page.screenshot(path=str(ARTIFACTS / "image_generated.png"), full_page=True)


def test_draw_from_a_description_in_the_browser(page):
    page.get_by_role("tab", name="Image").click()
    page.locator("#t2i-prompt textarea, #t2i-prompt input").first.fill("一件深色的外套")
    page.locator("#t2i-go").click()
    page.wait_for_function("() => /pictures of/.test(document.querySelector('#t2i-info')?.innerText || '')", timeout=60000)
    assert "classifier sees" in page.inner_text("#t2i-info")
    assert page.locator("#t2i-gallery img").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "image_from_text.png"), full_page=True)
    page.locator("#t2i-prompt textarea, #t2i-prompt input").first.fill("a red coat")  # refused, with the known words
    page.locator("#t2i-go").click()
    page.get_by_text("never saw: red").first.wait_for(timeout=30000)


def test_speak_digits_in_the_browser(page):
    page.get_by_role("tab", name="Audio").click()
    page.locator("#audio-text textarea, #audio-text input").first.fill("42")
    page.locator("input[value='wavenet']:visible").first.check()  # the Audio tab's vocoder (Evaluation has one too)
    page.get_by_role("button", name="Speak", exact=True).click()
    page.get_by_text("real-time factor").first.wait_for(timeout=30000)
    page.locator("#audio-output audio, #audio-output [data-testid='waveform-controls'], #audio-output button").first.wait_for(timeout=10000)
    page.locator(".js-plotly-plot:visible").first.wait_for(timeout=15000)  # waveform and spectrogram
    assert "effective seed" in page.inner_text("body")
    page.screenshot(path=str(ARTIFACTS / "audio_generated.png"), full_page=True)


def test_compose_a_tune_in_the_browser(page):
    """The tune comes back as notation drawn by the vendored abcjs (an SVG in the page, no
    network), audio, a piano roll and three downloads; beside it, a real tune."""
    page.get_by_role("tab", name="Music").click()
    page.locator("input[value='any']:visible").first.check()  # the fixture's collection names no tune types
    page.locator("input[value='a real tune of the same kind']:visible").first.check()
    page.get_by_role("button", name="Compose and compare").click()
    page.locator("#music-notation svg").first.wait_for(timeout=60000)
    page.locator("#music-beside-notation svg").first.wait_for(timeout=60000)
    assert page.evaluate("() => typeof window.ABCJS") == "object"
    page.locator(".js-plotly-plot:visible").first.wait_for(timeout=15000)  # the piano roll
    page.locator("#music-beside-info").get_by_text("real tune").first.wait_for(timeout=30000)
    body = page.inner_text("body")
    assert "composed in" in page.inner_text("#music-info")
    for suffix in (".abc", ".mid", ".wav"):
        assert suffix in body, suffix
    page.screenshot(path=str(ARTIFACTS / "music_composed.png"), full_page=True)


def test_harmonise_a_held_out_melody_beside_bach_in_the_browser(page):
    """The chorale section's defaults: the first held-out melody harmonised, Bach's own
    harmonisation beside it, both drawn as four-staff notation."""
    page.get_by_role("tab", name="Music").click()
    page.get_by_role("button", name="Write and compare").click()
    page.locator("#chorale-notation svg").first.wait_for(timeout=90000)
    page.locator("#chorale-beside-notation svg").first.wait_for(timeout=90000)
    page.locator("#chorale-beside-info").get_by_text("Bach").first.wait_for(timeout=30000)
    assert "composed in" in page.inner_text("#chorale-info")
    page.screenshot(path=str(ARTIFACTS / "chorale_harmonised.png"), full_page=True)


def test_a_model_row_opens_the_model_in_its_tab(page):
    """Rows of the overview and of the Metrics tab's table open their model's tab with it picked."""
    import re

    def cell(name: str, within: str = "body"):
        return page.locator(within).locator("[role=gridcell]:visible", has_text=re.compile(rf"^\s*{name}\s*$"))

    def picked(tab: str, model: str):
        page.get_by_role("tab", name=tab, selected=True).wait_for(timeout=10000)
        picker = page.locator("input[aria-label='Model']:visible").first
        page.wait_for_function("el => el.value === '%s'" % model,
                               arg=picker.element_handle(), timeout=10000)

    if not page.get_by_text("Registered models").first.is_visible():
        page.get_by_text("All models (").first.click()  # open the collapsed overview
    cell("vae").first.click()  # the overview, above the tabs
    picked("Image", "vae")
    page.get_by_role("tab", name="Metrics").click()
    page.get_by_text("Every metric of every model").first.click()
    cell("lstm", "#metrics-table").first.click()  # the metrics table, below the overview's
    picked("Text", "lstm")


def test_cast_a_blind_vote_in_the_browser(page):
    """Ask for a pair, see A and B without names, vote, see the names; the vote shows in the
    Metrics tab's ranking."""
    page.get_by_role("tab", name="Arena").click()
    page.locator("#arena-vote-a button, button#arena-vote-a").first.wait_for(timeout=5000)
    assert page.locator("button#arena-vote-a").is_disabled()  # nothing to vote on yet
    page.locator("#arena-modality input[value='image']").check()
    page.get_by_role("button", name="New pair").click()
    page.get_by_text("Which is better?").first.wait_for(timeout=30000)
    page.locator("#arena-image-a img").first.wait_for(timeout=10000)
    page.wait_for_function("() => !document.querySelector('button#arena-vote-b').disabled", timeout=10000)
    shown = page.inner_text("body")
    assert "A was" not in shown
    page.screenshot(path=str(ARTIFACTS / "arena_pair.png"), full_page=True)
    page.locator("button#arena-vote-b").click()
    page.get_by_text("Vote stored").first.wait_for(timeout=10000)
    reveal = page.inner_text("#arena-reveal")
    assert "A was" in reveal and "B was" in reveal and "you preferred B" in reveal
    assert page.locator("button#arena-vote-a").is_disabled()  # one vote per pair
    page.get_by_role("tab", name="Metrics").click()
    page.locator("#ranking-modality input[value='image']").check()
    page.get_by_role("button", name="Refresh").click()
    page.wait_for_function("() => /Kendall|Not enough|Too few/.test(document.querySelector('#arena-agreement').innerText)",
                           timeout=15000)
    page.screenshot(path=str(ARTIFACTS / "arena_ranking.png"), full_page=True)


def test_every_tab_opens_on_a_bare_machine(browser, shipped_app_url):
    """`make run` on a machine with an empty HOME and none of the datasets: the shipped
    models' page opens, and every tab shows without an error."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(shipped_app_url, wait_until="load")
    page.get_by_text("Show me something new").first.wait_for(timeout=10000)
    shown = {}
    for tab in TABS:
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(300)
        assert page.get_by_role("tab", name=tab, selected=True).is_visible(), tab
        shown[tab] = page.inner_text("body")
    page.close()
    for tab, heading in (("Text", "Examples (English and Chinese)"), ("Image", "Latent interpolation"),
                         ("Audio", "Voice variety"), ("Music", "Beside it"), ("Arena", "Blind arena"), ("Evaluation", "Shipped metrics"),
                         ("Metrics", "Humans beside the metrics")):
        assert heading in shown[tab], (tab, heading)
    for tab, name in (("Text", "gpt"), ("Image", "dcgan"), ("Audio", "specgan"), ("Music", "Compose and compare")):
        assert name in shown[tab], name
    assert not errors and not any("Something went wrong" in t or "Traceback" in t for t in shown.values())
