"""Errors that say exactly what is wrong with a data file: file, row, column and value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file.

    ``row`` is the 1-based data row (the header is not counted) or None for a problem with
    the whole file or a whole column.
    """

    file: str
    reason: str
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = ", ".join(where) + f": {self.reason}"
        if self.value is not None:
            text += f" (value {self.value!r})"
        return text


class LayerError(ValueError):
    """A layer file could not be loaded; ``problems`` lists every reason found."""

    def __init__(self, problems: Sequence[Problem], *, shown: int = 10) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        lines = [str(p) for p in self.problems[:shown]]
        if len(self.problems) > shown:
            lines.append(f"... and {len(self.problems) - shown} more problems")
        super().__init__("\n".join(lines))

    @classmethod
    def single(cls, file: str | Path, reason: str, **where: object) -> LayerError:
        """Build an error with one problem."""
        return cls([Problem(str(file), reason, **where)])  # type: ignore[arg-type]
