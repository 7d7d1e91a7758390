"""White-box attacks on each exercise's hidden checks, written with the checks' source in hand.

One module per exercise (``<slug with underscores>.py``) holds ``ATTACKS``: submissions that try to get
a wrong (or missing) implementation accepted, each with the verdict it must get with the static gate on.
With the gate off, every attack must still be rejected (the checks hold alone), except the few marked
``gate_only``, whose reason says why only the environment can stop them.
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


def exercise_file(slug: str, name: str) -> str:
    """The text of a file of an exercise folder (e.g. its reference, to wrap in an attack)."""
    return (EXERCISES / slug / name).read_text()


def all_attacks() -> list[tuple[str, Attack]]:
    """``(slug, attack)`` for every attack of every exercise module in this package."""
    found = []
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        found += [(module.SLUG, attack) for attack in module.ATTACKS]
    return found
