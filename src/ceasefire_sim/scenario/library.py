"""The scenario library shipped with the package, and scenarios given by name.

The repository's ``scenarios/`` (with ``sweeps/``) and ``seeds/`` folders are the one source of
truth. The package reaches them through the links ``ceasefire_sim/scenarios`` and
``ceasefire_sim/seeds`` in a clone (and an editable install); a wheel carries copies of both
folders at the same places. Because the library keeps the clone's layout (``seeds/`` beside
``scenarios/``), the quotes of a packaged scenario are checked against the packaged seed articles
as they are in a clone.

So ``ceasefire-sim run white_house_2025-03-13`` works from any folder, and
``ceasefire-sim run scenarios/white_house_2025-03-13.yaml`` keeps working in a clone.
"""

from __future__ import annotations

from pathlib import Path

from ceasefire_sim.errors import InputError, ScenarioError

_PACKAGE = Path(__file__).resolve().parent.parent
#: The package's scenario library (a link to the repository's ``scenarios/`` in a clone).
LIBRARY = _PACKAGE / "scenarios"
#: The package's seed articles (a link to the repository's ``seeds/`` in a clone).
SEEDS = _PACKAGE / "seeds"
#: The baseline's name in the library.
BASELINE_NAME = "white_house_2025-03-13"
_SUFFIXES = (".yaml", ".yml")


def library_dir() -> Path:
    """The folder of the scenario library shipped with the package."""
    return LIBRARY


def sweeps_dir() -> Path:
    """The folder of the sweep specs shipped with the package."""
    return LIBRARY / "sweeps"


def seeds_dir() -> Path:
    """The folder of the seed articles shipped with the package."""
    return SEEDS


def library_names(folder: Path | None = None) -> list[str]:
    """The names (file stems) of the scenario files in ``folder`` (default: the library)."""
    folder = library_dir() if folder is None else folder
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.iterdir() if p.suffix in _SUFFIXES and p.is_file())


def is_name(text: str | Path) -> bool:
    """Whether ``text`` reads as a bare name (no folder, no suffix) rather than a path."""
    text = str(text)
    return bool(text) and "/" not in text and "\\" not in text and not text.endswith(_SUFFIXES)


def resolve_scenario(
    path_or_name: str | Path,
    folder: Path | None = None,
    error: type[InputError] = ScenarioError,
) -> Path:
    """The file of a scenario given as a path or as a name in the library.

    An existing file is returned as given. Otherwise a bare name (``white_house_2025-03-13``,
    with or without ``.yaml``) is looked up in ``folder`` (default: the package's library).
    Anything else is returned unchanged, so the loader reports the missing file as it always has.

    Args:
        path_or_name: A path, or the name of a file in the library.
        folder: The library to look in (the sweep specs use :func:`sweeps_dir`).
        error: The error to raise (:class:`~ceasefire_sim.errors.SweepError` for a spec).

    Returns:
        The path of the scenario file.

    Raises:
        ScenarioError: (or ``error``) A bare name that is neither a file here nor in the library; the message
            lists the library's names.
    """
    given = Path(path_or_name)
    if given.is_file():
        return given
    text = str(path_or_name)
    if "/" in text or "\\" in text:
        return given
    folder = library_dir() if folder is None else folder
    stem = text[: -len(given.suffix)] if given.suffix in _SUFFIXES else text
    for suffix in _SUFFIXES:
        candidate = folder / f"{stem}{suffix}"
        if candidate.is_file():
            return candidate
    names = library_names(folder)
    listed = ", ".join(names) if names else "(none)"
    kind = "sweep spec" if error is not ScenarioError else "scenario"
    raise error(
        f"no {kind} file {text} here and no {kind} named {stem!r} in the library "
        f"({folder}); give a path or one of: {listed}",
        file=text,
    )


__all__ = [
    "BASELINE_NAME",
    "LIBRARY",
    "SEEDS",
    "is_name",
    "library_dir",
    "library_names",
    "resolve_scenario",
    "seeds_dir",
    "sweeps_dir",
]
