"""The verifiers' guide and the console's help in a real browser: the pictures the guide shows
are taken here from the real console (so they never go stale), in French and in English, and
the help page opens in both languages, from an alert's page to its section."""

from __future__ import annotations

import re

import pytest

from core import gazetteer
from core.model import Source
from tests.fixtures.web import browser_login, make_alert
from tests.test_response_times import seed as seed_response_times
from web.help import IMAGES_DIR, guide_path

pytestmark = pytest.mark.browser

# Every picture the guides show: (name, the console page it is taken of). The page of an
# alert is filled in once the alerts exist.
SHOTS = {"queue": "/", "alert": None, "incidents": "/incidents", "broadcasts": "/broadcasts",
         "report": "/reports/response-times"}
LANGUAGES = {"fr": "fr-FR", "en": "en-GB"}
VIEWPORT = {"width": 1280, "height": 720}


def pictures_named(lang: str) -> set[str]:
    return set(re.findall(r"\]\(images/([^)]+)\)", guide_path(lang).read_text()))


def test_every_picture_a_guide_shows_is_one_this_module_takes():
    for lang in LANGUAGES:
        assert pictures_named(lang) == {f"{name}.{lang}.jpg" for name in SHOTS}, lang


def seed(store, config) -> dict:
    store.import_localities(gazetteer.starter(), "test")
    first = make_alert(store, config, locality="1104", pseudonym="C-AAAAAAAA")
    make_alert(store, config, locality="1102", pseudonym="C-BBBBBBBB", source=Source.RADIO, station="okapi")
    make_alert(store, config, text="bato ya bitumba bakoti na mboka", language="ln", locality="1101",
               pseudonym="C-CCCCCCCC", priority=2.0)
    make_alert(store, config, text="des hommes armés sont entrés au village", language="fr", locality="1103",
               pseudonym="C-DDDDDDDD", priority=1.0)
    seed_response_times(store, config)   # a month of handled alerts, for the report's picture
    return first


def test_the_guides_pictures_come_from_the_real_console(live_server, browser, fresh_db, config):
    alert = seed(fresh_db, config)
    IMAGES_DIR.mkdir(parents=True, exist_ok=True)
    for lang, locale in LANGUAGES.items():
        page = browser.new_page(viewport=VIEWPORT, locale=locale)
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        browser_login(page, live_server, "sam")
        for name, path in SHOTS.items():
            page.goto(live_server + (path or f"/alerts/{alert['id']}"))
            page.wait_for_load_state("networkidle")
            assert page.locator("html").get_attribute("lang") == lang
            page.screenshot(path=str(IMAGES_DIR / f"{name}.{lang}.jpg"), type="jpeg", quality=70)
        assert not errors, errors
        page.close()
    for lang in LANGUAGES:
        for name in pictures_named(lang):
            picture = IMAGES_DIR / name
            assert picture.stat().st_size < 200_000, f"{name}: keep the help light on a slow link"


def test_help_opens_at_the_alert_section_in_french_and_in_english(live_server, browser, fresh_db, config):
    alert = seed(fresh_db, config)
    page = browser.new_page(viewport=VIEWPORT, locale="fr-FR")
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, live_server, "vera")
    page.goto(f"{live_server}/alerts/{alert['id']}")
    page.click("header a.help-link")
    page.wait_for_url(re.compile(r".*/help/#alert$"))
    heading = page.locator("xpath=//a[@id='alert']/following::h2[1]")
    assert heading.inner_text() == "Écouter et corriger une alerte"
    assert heading.is_visible()
    assert page.evaluate("() => document.querySelector('#alert').getBoundingClientRect().top") < 200, \
        "the page opens at the section"
    shown = page.locator("article.guide img")
    assert shown.count() == len(SHOTS)
    for index in range(shown.count()):
        image = shown.nth(index)
        image.scroll_into_view_if_needed()
        page.wait_for_function("(img) => img.complete", arg=image.element_handle())
        assert image.evaluate("(img) => img.naturalWidth") > 0, image.get_attribute("src")
    # The console in English: the same link, the English guide at the same section.
    page.goto(f"{live_server}/alerts/{alert['id']}")
    page.click("header form button[name=lang]")
    page.wait_for_load_state()
    page.click("header a.help-link")
    page.wait_for_url(re.compile(r".*/help/#alert$"))
    assert page.locator("xpath=//a[@id='alert']/following::h2[1]").inner_text() == "Listening to and correcting an alert"
    assert page.locator("article.guide img").first.get_attribute("src") == "images/queue.en.jpg"
    # The queue links to its own section.
    page.goto(live_server + "/")
    assert page.locator("header a.help-link").get_attribute("href") == "/help/#queue"
    assert not errors, errors
