"""Resource limits for one sandboxed run."""

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

    def as_dict(self) -> dict:
        return asdict(self)
