"""Adapters: event store, read store, bus, Kafka, mail, object storage, metrics, config, CLI."""
