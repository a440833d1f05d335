"""Root conftest: kept small on purpose; fixtures live in plugins under tests/fixtures/."""

pytest_plugins = ["tests.fixtures.servers"]
