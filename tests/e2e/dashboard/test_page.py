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


def shown_count(page, name: str) -> int:
    shown = counter(page, name)
    page.wait_for_function("el => el.textContent !== '–'", arg=shown.element_handle())
    return int(shown.text_content())


def wait_for_count(page, name: str, value: int) -> None:
    page.wait_for_function("([el, n]) => Number(el.textContent) === n",
                           arg=[counter(page, name).element_handle(), value])


def test_counters_update_live_when_a_course_is_created(stack, board, new_page):
    page = new_page(stack.base_url)
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.wait_for_selector("#status[data-state=live]")
    page.wait_for_selector("#chart canvas")
    courses = shown_count(page, "courses_count")
    notifications = shown_count(page, "notifications_count")
    events = shown_count(page, "events_total")
    board.course()
    wait_for_count(page, "courses_count", courses + 1)
    wait_for_count(page, "notifications_count", notifications + 1)
    assert shown_count(page, "events_total") > events


def test_counters_update_live_when_a_notification_is_sent(stack, board, new_page):
    page = new_page(stack.base_url)
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.wait_for_selector("#status[data-state=live]")
    before = shown_count(page, "notifications_count")
    board.notify()
    wait_for_count(page, "notifications_count", before + 1)


def test_a_plain_user_is_told_the_page_is_for_staff(stack, new_page):
    login = stack.new_user()
    page = new_page(stack.base_url)
    sign_in(page, login["user"]["email"], "password-123")
    page.wait_for_selector("#sign-in-error:has-text('admin and support')")
    assert page.locator("#board").is_hidden()
