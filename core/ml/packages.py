"""Finding model files that ship inside registry packages, with errors that say what to install."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from types import ModuleType

from core.errors import ModelUnavailable


def require(module: str, package: str, purpose: str) -> ModuleType:
    """Import `module`, or fail with a message naming the pip package that provides it."""
    if importlib.util.find_spec(module) is None:
        raise ModelUnavailable(
            f"{purpose} needs the Python package '{package}', which is not installed. "
            f"Install it with: pip install '{package}'"
        )
    return importlib.import_module(module)


def package_dir(module: str, package: str, purpose: str) -> Path:
    """The folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(
            f"{purpose} needs the model package '{package}', which is not installed. "
            f"Install it with: pip install '{package}'"
        )
    return Path(next(iter(spec.submodule_search_locations)))
