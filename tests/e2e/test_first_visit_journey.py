"""A first visit on a phone: French by default, English on request, a lost page leads back home."""

from __future__ import annotations

from tests.e2e.conftest import screenshot


def test_a_visitor_gets_french_pages_can_switch_to_english_and_finds_the_way_back(phone):
    phone.goto(phone.base + "/")
    assert phone.url.startswith(phone.base + "/compte/connexion/")
    assert phone.locator("html").get_attribute("lang") == "fr"
    # The stylesheets are served by the app itself (no CDN) and the browser applied them.
    loaded = phone.evaluate(
        "[...document.styleSheets].filter(s => s.href && s.href.startsWith(location.origin))"
        ".map(s => s.cssRules.length)"
    )
    assert loaded and all(rules > 0 for rules in loaded)

    phone.goto(phone.base + "/une-page-perdue/")
    assert phone.get_by_role("heading", name="Page introuvable").is_visible()
    screenshot(phone, "first-visit-404")
    phone.get_by_role("link", name="Retour à mon accueil").click()
    phone.wait_for_url("**/compte/connexion/**")

    phone.get_by_label("Langue").select_option("en")
    phone.get_by_role("button", name="Changer").click()
    phone.wait_for_load_state()
    assert phone.locator("html").get_attribute("lang") == "en"
    assert phone.get_by_role("link", name="Skip to content").count() == 1
