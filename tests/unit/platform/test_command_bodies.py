"""Every command body refuses a field it does not define (400 naming it): a misspelt or
unsupported field is an error the client sees, not a change silently not made. Only what
other systems write may carry more: inbound queue messages and the rows of an uploaded CSV."""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import msgspec

import command_api

MAY_CARRY_MORE = {"command_api.jobs.schemas.ContactRow", "command_api.sync.schemas.Change",
                  "command_api.sync.schemas.QueueMessage"}


def command_bodies() -> dict[str, type[msgspec.Struct]]:
    found = {}
    for context in pkgutil.iter_modules(command_api.__path__):
        try:
            module = importlib.import_module(f"command_api.{context.name}.schemas")
        except ModuleNotFoundError:
            continue
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, msgspec.Struct) and cls.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = cls
    return found


def test_every_command_body_refuses_fields_it_does_not_define():
    bodies = command_bodies()
    assert len(bodies) > 20 and MAY_CARRY_MORE <= set(bodies)
    lenient = {name for name, cls in bodies.items() if not cls.__struct_config__.forbid_unknown_fields}
    assert lenient == MAY_CARRY_MORE
