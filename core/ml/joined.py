"""Model files that registry packages ship in parts: joined once into a cache, checked by sha256 before use."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from core.errors import ModelUnavailable
from core.hashing import sha256_file


def join_parts(parts: Sequence[Path], target: Path, *, sha256: str, what: str, reinstall: str) -> Path:
    """Concatenate `parts` into `target` (atomically) unless it is already there; verify the joined sha256.

    A mismatch removes the file and refuses: a model that is not byte-for-byte the pinned one is never loaded.
    `reinstall` names the packages to reinstall in that message.
    """
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        try:
            with partial.open("wb") as out:
                for part in parts:
                    with part.open("rb") as fh:
                        shutil.copyfileobj(fh, out, 1 << 22)
        except BaseException as exc:
            partial.unlink(missing_ok=True)
            if isinstance(exc, OSError):  # a full disk or a read-only cache: say where, not a traceback
                size = sum(p.stat().st_size for p in parts if p.exists()) // (1 << 20)
                raise ModelUnavailable(
                    f"could not write {what} into {target} ({exc.strerror or exc}); it needs about {size} MB free. "
                    "Free space or set CXLOOP_MODELS__CACHE_DIR to a writable folder, then run again"
                ) from None
            raise
        partial.replace(target)  # a crash never leaves a half-written model under the real name
    digest = sha256_file(target)
    if digest != sha256:
        target.unlink(missing_ok=True)
        raise ModelUnavailable(f"{what} at {target} has sha256 {digest}, expected {sha256}; reinstall {reinstall}")
    return target
