"""SQS bridge commands: record what was sent, take callbacks, apply what others send."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.application import ContextApplication
from domain.concurrency import retrying
from domain.sync.event_sync import INBOUND, OUTBOUND, EventSync
from domain.sync.message import SentMessage, SyncMessage
from domain.sync.synced_object import SyncedObject


class SyncApplication(ContextApplication):
    def record_sent(self, sent: list[SentMessage]) -> int:
        """Open and mark sent one record per message; ones already recorded are skipped."""
        try:
            self.save(*[_sent_record(item) for item in sent])
        except IntegrityError:  # a resend after a crash: save one by one, skipping the known
            return sum(self._save_if_new(_sent_record(item)) for item in sent)
        return len(sent)

    def acknowledge(self, event_id: UUID) -> EventSync:
        record = self.load(EventSync, EventSync.id_for(OUTBOUND, event_id))
        record.acknowledge("callback")
        self.save(record)
        return record

    def apply_inbound(self, message: SyncMessage) -> bool:
        """Apply another service's change once per event id; False for a repeat delivery."""
        return retrying(lambda: self._apply_once(message))

    def is_sent(self, event_id: UUID) -> bool:
        return self.exists(EventSync.id_for(OUTBOUND, event_id))

    def _apply_once(self, message: SyncMessage) -> bool:
        record = EventSync(**_fields(message), direction=INBOUND)
        record.acknowledge("applied")
        try:
            self.save(record, self._changed_object(message))
        except IntegrityError:
            if self.exists(record.id):
                return False
            raise
        return True

    def _changed_object(self, message: SyncMessage) -> SyncedObject:
        object_id = SyncedObject.id_for(message.obj_type, message.obj_id)
        if self.exists(object_id):
            synced = self.load(SyncedObject, object_id)
        elif message.obj_cmd == "put":
            return SyncedObject(
                message.obj_type, message.obj_id, message.obj_data, message.event_id
            )
        else:
            synced = SyncedObject(message.obj_type, message.obj_id, {}, message.event_id)
        synced.apply(message.obj_cmd, message.obj_data, message.event_id)
        return synced

    def _save_if_new(self, record: EventSync) -> bool:
        try:
            self.save(record)
        except IntegrityError:
            return False
        return True


def _fields(message: SyncMessage) -> dict[str, object]:
    return {
        "event_id": message.event_id,
        "apps": message.apps,
        "obj_type": message.obj_type,
        "obj_data": message.obj_data,
        "obj_cmd": message.obj_cmd,
    }


def _sent_record(item: SentMessage) -> EventSync:
    record = EventSync(**_fields(item.message), direction=OUTBOUND)
    record.mark_sent(item.queue, item.message_id)
    return record
