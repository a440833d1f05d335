"""Root conftest: kept small on purpose; fixtures live in plugins under tests/fixtures/."""

pytest_plugins = ["tests.fixtures.servers", "tests.fixtures.stack", "tests.fixtures.browser"]
