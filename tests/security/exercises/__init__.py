"""White-box attacks on each exercise's hidden checks, written with the checks' source in hand, and other
correct solutions the checks must accept.

One module per exercise (``<slug with underscores>.py``) holds ``ATTACKS``: submissions that try to get
a wrong (or missing) implementation accepted, each with the verdict it must get with the static gate on.
With the gate off, every attack must still be rejected (the checks hold alone), except the few marked
``gate_only``, whose reason says why only the environment can stop them. It may also hold ``CORRECT``:
solutions written another way than the reference (another library, another order of operations, another
valid way to draw), which must be accepted: checks that ask for more than the statement does, or for the
reference's own rounding, reject learners who are right.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path

EXERCISES = Path(__file__).resolve().parents[3] / "exercises"


@dataclass(frozen=True)
class Attack:
    """A hostile submission: ``idea`` says what it tries, ``verdict`` what it must get (gate on)."""

    name: str
    idea: str
    code: str
    verdict: str
    # Only the static gate stops it (it changes the interpreter itself); the reason says why.
    gate_only: str = ""


@dataclass(frozen=True)
class Correct:
    """A correct solution unlike the reference: ``how`` says how it differs. Must be accepted."""

    name: str
    how: str
    code: str


def exercise_file(slug: str, name: str) -> str:
    """The text of a file of an exercise folder (e.g. its reference, to wrap in an attack)."""
    return (EXERCISES / slug / name).read_text()


def _modules() -> list:
    return [importlib.import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__)]


def all_attacks() -> list[tuple[str, Attack]]:
    """``(slug, attack)`` for every attack of every exercise module in this package."""
    return [(module.SLUG, attack) for module in _modules() for attack in module.ATTACKS]


def all_correct() -> list[tuple[str, Correct]]:
    """``(slug, solution)`` for every other correct solution of every exercise module in this package."""
    return [(module.SLUG, solution) for module in _modules() for solution in getattr(module, "CORRECT", [])]
