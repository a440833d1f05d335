"""Appends on PostgreSQL are serialised by one lock held to commit (so commit order is position
order), and that lock is not one VACUUM or ANALYZE takes: maintenance never stops appends."""
from __future__ import annotations

import threading
import time
import uuid

import psycopg
from eventsourcing.persistence import StoredEvent

from infra.config import load_settings
from infra.eventstore import APPEND_LOCK, open_recorder


def stored(version: int = 1) -> StoredEvent:
    return StoredEvent(originator_id=uuid.uuid4(), originator_version=version, topic="t:T",
                       state=b"{}")


def opened(url: str):
    return open_recorder(load_settings({"TESSERA_DATABASE_URL": url, "TESSERA_DB_POOL_SIZE": "2"}))


def append_in_thread(recorder) -> tuple[threading.Thread, list]:
    landed: list = []
    thread = threading.Thread(target=lambda: landed.append(
        (recorder.insert_events([stored()]), time.monotonic())))
    thread.start()
    return thread, landed


def test_an_append_is_not_held_up_by_a_vacuum_of_the_events_table(fresh_database_url):
    recorder = opened(fresh_database_url)
    try:
        with psycopg.connect(fresh_database_url) as maintenance:
            # The lock VACUUM and ANALYZE hold on a table for as long as they run.
            maintenance.execute("LOCK TABLE tessera_events IN SHARE UPDATE EXCLUSIVE MODE")
            thread, landed = append_in_thread(recorder)
            thread.join(timeout=5)
            assert landed, "the append waited for the vacuum's lock"
            maintenance.rollback()
    finally:
        recorder.datastore.close()


def test_an_append_waits_for_the_append_before_it_to_commit(fresh_database_url):
    recorder = opened(fresh_database_url)
    try:
        with psycopg.connect(fresh_database_url) as earlier:
            earlier.execute("SELECT pg_advisory_xact_lock(%s)", (APPEND_LOCK,))
            thread, landed = append_in_thread(recorder)
            time.sleep(0.5)
            assert landed == [], "the append did not wait for the one still committing"
            committed_at = time.monotonic()
            earlier.commit()
            thread.join(timeout=5)
        assert landed and landed[0][1] >= committed_at
        assert len(landed[0][0]) == 1
    finally:
        recorder.datastore.close()
