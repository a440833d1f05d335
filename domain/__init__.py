"""Aggregates, events and rules per bounded context: no web, Kafka or SQL in here."""
