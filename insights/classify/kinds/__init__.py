"""Insight kinds as plug-ins: the protocol and the registry (`base`), and the built-in kinds, one module each.

Every module of this package is imported with it, so a module dropped in here registers its kind; a kind defined
anywhere else registers when its module is imported (or through the `cxloop.insight_kinds` entry points).
"""

from __future__ import annotations

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
