"""The `/chat/` web page in a real browser (headless Debian Chromium through Playwright).

Two users, each in a browser context of their own, sign in, find each other online, start
a private conversation and see each other's messages appear live, with read ticks.
"""
from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import Page, expect

from tests.fixtures.stack import Stack

PASSWORD = "password-123"


def signed_in(stack: Stack, new_page: Any, first_name: str) -> tuple[Page, dict[str, Any]]:
    login = stack.new_user(first_name=first_name, last_name=uuid.uuid4().hex[:6], password=PASSWORD)
    page = new_page(stack.base_url)
    page.goto("/chat/")
    page.fill("#signin-email", login["user"]["email"])
    page.fill("#signin-password", PASSWORD)
    page.click("#signin-submit")
    expect(page.locator("#app")).to_be_visible()
    expect(page.locator("#me-name")).to_contain_text(first_name)
    return page, login["user"]


def say(page: Page, text: str) -> None:
    page.fill("#message-text", text)
    page.press("#message-text", "Enter")


def test_two_users_chat_live_through_the_page(page_stack, new_page):
    stack = page_stack
    alice_page, alice = signed_in(stack, new_page, "Alice")
    bob_page, bob = signed_in(stack, new_page, "Bob")

    bob_online = alice_page.locator(f'#online-list li[data-user-id="{bob["id"]}"]')
    expect(bob_online).to_have_class(re.compile("online"))
    bob_online.get_by_role("button", name="Chat").click()
    expect(alice_page.locator("#conversation-title")).to_contain_text("Bob")
    expect(alice_page.locator("#socket-state")).to_have_text("live")

    bob_page.locator("#conversation-list li", has_text="Alice").click()
    expect(bob_page.locator("#socket-state")).to_have_text("live")
    expect(bob_page.locator(f'#conversation-people li.online[data-user-id="{alice["id"]}"]')).to_be_visible()

    say(alice_page, "Hello Bob, live from Alice")
    expect(bob_page.locator("#messages .message", has_text="Hello Bob, live from Alice")).to_be_visible()
    bob_page.locator("#message-text").press_sequentially("Hi")
    expect(alice_page.locator("#typing")).to_contain_text("Bob")
    say(bob_page, "Hi Alice, Bob here")
    expect(alice_page.locator("#messages .message", has_text="Hi Alice, Bob here")).to_be_visible()

    # Bob's page had Alice's message on screen, so it reported it read: two blue ticks.
    sent = alice_page.locator("#messages .message.mine", has_text="Hello Bob, live from Alice")
    expect(sent).to_have_attribute("data-status", "read")
    expect(sent.locator(".ticks")).to_have_text("✓✓")


def test_history_is_shown_when_a_conversation_is_opened(page_stack, new_page):
    stack = page_stack
    alice_page, alice = signed_in(stack, new_page, "Alice")
    bob_page, bob = signed_in(stack, new_page, "Bob")
    alice_page.fill("#start-ids", bob["id"])
    alice_page.click("#start-submit")
    say(alice_page, "Written before Bob looked")
    expect(alice_page.locator("#messages .message.mine")).to_have_count(1)

    bob_page.locator("#conversation-list li", has_text="Alice").click()
    expect(bob_page.locator("#messages .message", has_text="Written before Bob looked")).to_be_visible()
    expect(alice_page.locator("#messages .message.mine")).to_have_attribute("data-status", "read")


def test_the_page_and_its_assets_are_served_locally(stack):
    with stack.client() as http:
        page = http.get("/chat/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert assets and all(asset.startswith("/chat/static/") for asset in assets), assets
        for asset in assets:
            served = http.get(asset)
            assert served.status_code == 200 and served.content, asset
        script = http.get("/chat/static/chat.js").text
        assert "http://" not in script and "https://" not in script


def test_a_read_receipt_over_many_messages_ticks_every_one_of_them(page_stack, new_page):
    stack = page_stack
    """Status frames name at most the 100 newest messages a receipt moves; the page raised
    only those, so older messages kept one tick although REST showed them read."""
    alice_page, alice = signed_in(stack, new_page, "Alice")
    bob = stack.new_user()
    alice_page.fill("#start-ids", bob["user"]["id"])
    alice_page.click("#start-submit")
    expect(alice_page.locator("#socket-state")).to_have_text("live")
    with stack.client(stack.login(alice["email"], PASSWORD)["token"]) as http:
        conversation = http.post("/api/v1/chat/conversations/", json={"user_ids": [bob["user"]["id"]]}).json()
        sent = [http.post(f"/api/v1/chat/conversations/{conversation['id']}/messages/",
                          json={"type_message": "text", "content": {"text": f"m{i}"}}).json()
                for i in range(105)]
    expect(alice_page.locator("#messages .message.mine")).to_have_count(105)
    with stack.client(bob["token"]) as http:
        assert http.post(f"/api/v1/chat/messages/{sent[-1]['id']}/read/").status_code == 200
    expect(alice_page.locator('#messages .message.mine[data-status="read"]')).to_have_count(105)
