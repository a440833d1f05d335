"""The chat read models are a pure function of the log: `tessera verify` finds no difference.

The test first waits for every receipt it caused (deliveries are recorded a moment after the
frames), so the live tables hold still while verify compares them.
"""
from __future__ import annotations

import json
import subprocess
import sys

from tests.e2e.chat.flows import Person, is_message, next_frame, wait_until


def test_verify_rebuilds_the_chat_read_models_exactly(stack):
    ann, bob, cid = Person(stack, "Ann"), Person(stack, "Bob"), Person(stack, "Cid")
    conversation = ann.conversation(bob, cid, name="verified")
    with bob.socket(conversation) as socket:
        said = [ann.say(conversation, f"v{i}") for i in range(3)]
        next_frame(socket, is_message("v2"))
    cid.history(conversation, said[-1]["position"])
    last = bob.read(said[1]["id"])
    expected = [{bob.id: "read", cid.id: "delivered"}, {bob.id: "delivered", cid.id: "delivered"}]
    wait_until(lambda: [{r["user_id"]: r["status"] for r in m["receipts"]} for m in ann.history(
        conversation, last["position"])["results"][1:]] == expected)
    verified = subprocess.run([sys.executable, "-m", "infra.cli", "verify", "--projection", "chat"],
                              env=stack.env, capture_output=True, text=True, timeout=300)
    assert verified.returncode == 0, verified.stdout[-3000:] + verified.stderr[-3000:]
    report = json.loads(verified.stdout[verified.stdout.index("{"):])
    assert report["differences"] == {}, report
