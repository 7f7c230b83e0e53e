"""Every analysis module of this package that defines ``ANALYSIS`` is registered under its name."""

import importlib
import pkgutil
from functools import cache

import core_app.analytics as package
from core_app.analytics.engine import Analysis


@cache
def analyses() -> dict[str, Analysis]:
    found: dict[str, Analysis] = {}
    for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        analysis = getattr(module, "ANALYSIS", None)
        if isinstance(analysis, Analysis):
            found[analysis.name] = analysis
    return found
