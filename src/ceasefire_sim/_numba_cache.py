"""Where numba keeps its compiled kernels, so a read-only install never fails to import.

The model's kernels are compiled with ``numba.njit(cache=True)``. numba caches next to the source
(``__pycache__``) or in the user's cache folder; on a read-only install with no writable home it
finds neither and ``cache=True`` raises "cannot cache function ... no locator available" at
import. :func:`configure` runs when the package is imported (before any kernel is defined) and,
only when the package's own folder is not writable, points ``NUMBA_CACHE_DIR`` at the first
writable folder of ``$XDG_CACHE_HOME``, ``~/.cache`` and the system's temporary folder. If none
is writable the kernels run uncached (compiled afresh in each process) rather than crash.

It imports nothing heavy: numba is touched only when it is already imported or, in the last
case, when no folder is writable at all.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_ENV = "NUMBA_CACHE_DIR"


def _writable(folder: Path) -> bool:
    """Whether ``folder`` exists (or can be made) and a file can be written in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError:
        return False
    return True


def _package_writable() -> bool:
    """Whether numba can cache next to the package's sources (in their ``__pycache__``)."""
    pycache = _PACKAGE / "__pycache__"
    return os.access(pycache if pycache.is_dir() else _PACKAGE, os.W_OK)


def candidate_dirs() -> list[Path]:
    """The folders tried for the cache, in order of preference."""
    found: list[Path] = []
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        found.append(Path(xdg) / "ceasefire-sim" / "numba")
    home = os.environ.get("HOME")
    if home:
        found.append(Path(home) / ".cache" / "ceasefire-sim" / "numba")
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    found.append(Path(tempfile.gettempdir()) / f"ceasefire-sim-numba-{uid}")
    return found


def configure() -> str | None:
    """Make sure numba can cache the model's kernels, or runs them uncached.

    Returns:
        The cache folder chosen (``None`` when numba's own choice stands: the user set
        ``NUMBA_CACHE_DIR`` or the package folder is writable), or ``"uncached"``.
    """
    if os.environ.get(_ENV) or _package_writable():
        return None
    for folder in candidate_dirs():
        if _writable(folder):
            os.environ[_ENV] = str(folder)
            if "numba" in sys.modules:
                # numba read its configuration when it was imported: update it in place.
                from numba.core import config

                config.CACHE_DIR = str(folder)
            return str(folder)
    _disable_caching()
    return "uncached"


def _disable_caching() -> None:
    """Leave every ``cache=True`` kernel with numba's null cache (compiled in each process)."""
    from numba.core import dispatcher

    def enable_caching(self: object) -> None:
        """Keep the null cache: no folder is writable."""

    dispatcher.Dispatcher.enable_caching = enable_caching  # type: ignore[method-assign]
