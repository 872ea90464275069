"""Each app may contribute to a shared page through a module of a known name (demo.py, home.py)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

from django.apps import apps


def app_modules(name: str) -> Iterator[tuple[str, ModuleType]]:
    """(app label, module) for every installed essayons app that has `<app>/<name>.py`, in
    INSTALLED_APPS order. An import error inside such a module surfaces."""
    for config in apps.get_app_configs():
        if not config.name.startswith("essayons."):
            continue
        module_name = f"{config.name}.{name}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name == module_name:
                continue
            raise
        yield config.label, module
