"""Resource limits for one sandboxed run."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Limits:
    """What one learner process may use. ``memory_bytes`` is on top of the zygote's own address space."""

    cpu_seconds: float = 2.0
    wall_seconds: float = 5.0
    memory_bytes: int = 1 << 30
    max_processes: int = 16
    output_bytes: int = 1 << 20
    file_bytes: int = 8 << 20
    scratch_bytes: int = 16 << 20
    open_files: int = 64
    # Shared memory for the arrays sent to the learner (sparse: only what is sent is ever touched).
    arena_bytes: int = 128 << 20

    @property
    def cpu_rlimit_seconds(self) -> int:
        """The whole seconds RLIMIT_CPU is set to (it counts whole seconds)."""
        return max(1, math.ceil(self.cpu_seconds))

    def as_dict(self) -> dict:
        return asdict(self)

    def exercise_units(self) -> dict[str, float | int]:
        """These limits in the units an exercise's info.toml and the Exercise model use."""
        return {
            "cpu_seconds": self.cpu_seconds,
            "wall_seconds": self.wall_seconds,
            "memory_mb": self.memory_bytes >> 20,
            "max_processes": self.max_processes,
            "output_kb": self.output_bytes >> 10,
        }

    @classmethod
    def from_exercise_units(cls, **units: float) -> Limits:
        """Limits from an exercise's units (``cpu_seconds``, ``wall_seconds``, ``memory_mb``,
        ``max_processes``, ``output_kb``); any not given keeps its default."""
        names = {"memory_mb": ("memory_bytes", 1 << 20), "output_kb": ("output_bytes", 1 << 10)}
        fields = {}
        for name, value in units.items():
            field, scale = names.get(name, (name, 1))
            fields[field] = int(value * scale) if scale != 1 else value
        return cls(**fields)


# The one place default limits are defined: content sync, the Exercise model and the sandbox read these.
DEFAULT_EXERCISE_UNITS = Limits().exercise_units()
