"""Errors a user can cause, with messages that say what to change.

Every problem found in an input file is a :class:`Problem` (file, line, dotted path, message);
:class:`ScenarioError` and :class:`SweepError` carry one or more of them. The CLI prints
``str(error)`` and exits with status 2: a user never sees a traceback for bad input.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file.

    Attributes:
        file: Path of the file as the user gave it (or ``"<input>"``).
        line: 1-based line in that file, or ``None`` when unknown.
        path: Dotted path of the value inside the document (``"belligerents.russia.force"``),
            or ``""`` for the whole document.
        message: What is wrong and, where possible, what is allowed.
    """

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        # A problem with no file (an API argument) or no path (the whole file) says only what
        # it knows: no "<input>:" or "<document>:" placeholders.
        parts = []
        if self.file and self.file != "<input>":
            parts.append(self.file if self.line is None else f"{self.file}:{self.line}")
        if self.path:
            parts.append(self.path)
        parts.append(self.message)
        return ": ".join(parts)


class InputError(Exception):
    """Base class of the errors caused by a user's input file or argument."""

    def __init__(self, problems: list[Problem] | str, file: str = "<input>") -> None:
        if isinstance(problems, str):
            problems = [Problem(file=file, line=None, path="", message=problems)]
        self.problems: list[Problem] = list(problems)
        super().__init__(self._render())

    def _render(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems:"]
        lines.extend(f"  {p}" for p in self.problems)
        return "\n".join(lines)


class ScenarioError(InputError):
    """A scenario file (or an override of it) is invalid."""


class SweepError(InputError):
    """A sweep specification is invalid or a sweep cannot proceed."""
