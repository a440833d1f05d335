"""The `/dashboard/` page in a real browser: sign in, see the counters, watch them change live."""
from __future__ import annotations

from tests.fixtures.stack import ADMIN_EMAIL, ADMIN_PASSWORD


def sign_in(page, email: str, password: str) -> None:
    page.goto("/dashboard/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def counter(page, name: str):
    return page.locator(f"[data-count={name}]")


def test_the_page_and_its_assets_are_served_without_the_internet(stack):
    with stack.client() as anonymous:
        page = anonymous.get("/dashboard/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert "http://" not in page.text and "https://" not in page.text
        for asset in ("uPlot.iife.js", "uPlot.min.css", "dashboard.js", "dashboard.css"):
            assert anonymous.get(f"/dashboard/static/{asset}").status_code == 200, asset


def test_counters_update_live_when_a_notification_is_sent(stack, board, new_page):
    page = new_page(stack.base_url)
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.wait_for_selector("#status[data-state=live]")
    shown = counter(page, "notifications_count")
    page.wait_for_function("el => el.textContent !== '–'", arg=shown.element_handle())
    before = int(shown.text_content())
    page.wait_for_selector("#chart canvas")
    board.notify()
    page.wait_for_function("([el, n]) => Number(el.textContent) === n",
                           arg=[shown.element_handle(), before + 1])
    assert int(counter(page, "events_total").text_content()) > 0


def test_a_plain_user_is_told_the_page_is_for_staff(stack, new_page):
    login = stack.new_user()
    page = new_page(stack.base_url)
    sign_in(page, login["user"]["email"], "password-123")
    page.wait_for_selector("#sign-in-error:has-text('admin and support')")
    assert page.locator("#board").is_hidden()
