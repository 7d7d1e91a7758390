"""The wire format between the trusted checker and the learner's sandboxed process.

This module is the trust boundary. Both sides use it, but only the trusted side's *decoding*
matters for safety: the learner's process may replace anything here in its own memory.

A frame is ``len(body)`` as 4 big-endian bytes, then the body: a 4-byte length, a JSON header,
then the binary blobs the header lists. Values are plain JSON plus tagged objects:

``{"$f": "nan"}``    non-finite float          ``{"$t": [...]}``   tuple
``{"$n": [dtype, value]}``  a finite real NumPy scalar, inline
``{"$d": [[k, v]]}`` dict with string keys     ``{"$a": i}``       ndarray, blob ``i`` in ``.npy`` format
``{"$s": i}``        NumPy scalar (0-d .npy)   ``{"$T": i}``       torch tensor (``.npy`` of its data)
``{"$rng": seed}``   a fresh ``numpy.random.Generator`` (requests only)
``{"$h": n}``        a handle to an object living in the learner's process
``{"$m": [offset, dtype, shape]}``  an ndarray in shared memory (requests); ``"$M"`` a tensor
``{"$r": [offset, dtype, shape]}``  an ndarray in the reply half of shared memory; ``"$R"`` a tensor

Arrays are rebuilt here from their raw bytes after checking the header (dtype kind, shape, byte count),
never with pickle; anything unexpected raises :class:`ProtocolError`, and callers fail closed on it.

Arrays sent *to* the learner live in an :class:`Arena`, a sealed memfd that both processes map: the
learner's function gets views of it, and after the call the checker reads the same bytes itself, so
an input changed in place is seen from outside the learner's process, whatever that process reports.
"""

from __future__ import annotations

import ast
import errno
import fcntl
import io
import json
import math
import mmap
import os
import select
import struct
import time
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

MAX_FRAME_BYTES = 64 * 1024 * 1024
# Arrays travel in blobs or the arena, so a legitimate header is small; capped before it is parsed.
MAX_HEADER_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 32
MAX_NODES = 200_000
# Bool, signed and unsigned integers, floats and complex numbers: never objects, strings or records.
_ALLOWED_DTYPE_KINDS = frozenset("biufc")
# What a tensor may be rebuilt from: torch.from_numpy takes these, in native byte order only.
_TENSOR_DTYPES = frozenset(
    np.dtype(name)
    for name in (
        "bool",
        "uint8",
        "int8",
        "int16",
        "int32",
        "int64",
        "float16",
        "float32",
        "float64",
        "complex64",
        "complex128",
    )
)
_U32 = struct.Struct(">I")


class ProtocolError(Exception):
    """The other side sent something that is not a valid message."""


class PeerGone(ProtocolError):
    """The pipe closed before a whole frame arrived."""


class Timeout(ProtocolError):
    """No whole frame arrived before the deadline."""


@dataclass(frozen=True)
class Seed:
    """Stands for ``numpy.random.default_rng(value)`` on the learner's side."""

    value: int


@dataclass(frozen=True)
class Handle:
    """Refers to an object that lives in the learner's process."""

    ref: int


@dataclass(frozen=True, eq=False)
class Writable:
    """An array argument passed writable, in the shared area, as a caller's own arrays are: the learner's
    function sees an ordinary writable array, and the checker reads it back after the call from that memory
    (``harness.Learner.call_and_read_args``). Other array arguments are mapped read-only."""

    array: np.ndarray


class Region(NamedTuple):
    """Where an array sent to the learner lives: ``area`` 0 is the read-only inputs, 1 the shared area."""

    area: int
    offset: int
    dtype: str
    shape: tuple[int, ...]


_ARENA_ALIGNMENT = 64
_RECYCLED_RANGES = 64
_F_SEAL_FUTURE_WRITE = 0x0010  # Linux 5.1; not in Python 3.11's fcntl
_SIZE_SEALS = fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW


def _sealed_memfd(name: str, size: int) -> tuple[int, mmap.mmap]:
    fd = os.memfd_create(name, os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    os.ftruncate(fd, size)
    memory = mmap.mmap(fd, size)
    # A learner's process cannot shrink the file under the checker's mapping (which would fault it).
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, _SIZE_SEALS)
    return fd, memory


class Arena:
    """Memory shared between the checker and one learner process: two sealed memfds.

    **Inputs** (array arguments): the checker writes each array at a fresh offset (never reused, so an
    array the learner keeps from an earlier call is never overwritten) through its own mapping, then
    seals the file against any new writable mapping: the learner's process can only map it read-only,
    so an input changed in place raises there instead of being hidden and restored.

    **Shared** (writable by both): its first half carries tensor arguments, which PyTorch needs
    writable (the checker reads them back after the call); its second half carries the arrays of each
    reply, which the checker copies out after checking their offsets, dtype and shape.
    """

    array_tag, tensor_tag, writable_tag = "$m", "$M", "$w"

    def __init__(self, size: int) -> None:
        self.size = size
        half = size // 2 // _ARENA_ALIGNMENT * _ARENA_ALIGNMENT
        self.inputs_fd, self.inputs = _sealed_memfd("gym-inputs", half)
        fcntl.fcntl(self.inputs_fd, fcntl.F_ADD_SEALS, _F_SEAL_FUTURE_WRITE | fcntl.F_SEAL_SEAL)
        self.shared_fd, self.shared = _sealed_memfd("gym-shared", half)
        fcntl.fcntl(self.shared_fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SEAL)
        self.reply_start = half // 2 // _ARENA_ALIGNMENT * _ARENA_ALIGNMENT
        self.used = [0, 0]

    @property
    def fds(self) -> list[int]:
        """The descriptors the learner's process maps: inputs (read-only for it), then shared."""
        return [self.inputs_fd, self.shared_fd]

    def place(self, array: np.ndarray, *, tensor: bool = False) -> Region | None:
        """Copy an argument in; ``None`` when it does not fit (it then travels in the frame)."""
        area, memory, end = (1, self.shared, self.reply_start) if tensor else (0, self.inputs, len(self.inputs))
        region, self.used[area] = _allocate(memory, area, array, self.used[area], end)
        return region

    def read(self, region: Region) -> np.ndarray:
        """A copy of an argument's bytes as they are now (after the learner's call)."""
        memory = self.shared if region.area else self.inputs
        return np.ndarray(region.shape, dtype=region.dtype, buffer=memory, offset=region.offset).copy()

    def resolve(self, tag: str, payload: Any, spend) -> Any:
        """Copy a reply's array out of the reply area, after checking where it claims to be and that the
        reply's budget (``spend``) allows the copy."""
        if tag not in ("$r", "$R") or not (isinstance(payload, list) and len(payload) == 3):
            raise ProtocolError(f"unknown or malformed tag {tag!r} in frame")
        offset, descr, shape = payload
        if type(offset) is not int or not isinstance(descr, str) or len(descr) > 16:
            raise ProtocolError("malformed shared array in reply")
        dtype = _checked_dtype(descr)
        shape = _checked_shape(shape)
        nbytes = math.prod(shape) * dtype.itemsize
        if offset < self.reply_start or offset + nbytes > len(self.shared):
            raise ProtocolError("a shared array in the reply lies outside the reply area")
        spend(nbytes)
        array = np.ndarray(shape, dtype=dtype, buffer=self.shared, offset=offset).copy()
        return _as_tensor(array) if tag == "$R" else array

    @property
    def reply_bytes(self) -> int:
        return len(self.shared) - self.reply_start

    def held_bytes(self) -> int:
        """The memory both files hold now (pages never touched hold none)."""
        return sum(os.fstat(fd).st_blocks * 512 for fd in (self.inputs_fd, self.shared_fd))

    def recycled(self, limit: int) -> bool:
        """Make the arena fit for another learner process, once the process that used it has exited; ``False``
        (close it instead) when its files hold more than ``limit`` bytes of memory, or in more than
        ``_RECYCLED_RANGES`` separate ranges a file.

        New memory costs the kernel about 0.6 ms a megabyte to allocate and clear as it is first touched; memory
        already held costs a twentieth of that to zero. Nothing of the last process survives: every page either
        file holds is zeroed, wherever it lies (the last process could write anywhere in the shared file), and the
        next process maps the files anew.
        """
        if self.held_bytes() > limit:
            return False
        files = ((self.inputs, self.inputs_fd), (self.shared, self.shared_fd))
        held = [(memory, _held_ranges(fd)) for memory, fd in files]
        # Arrays fill the files from their starts; pages scattered one by one only cost the search for them.
        if any(len(ranges) > _RECYCLED_RANGES for _, ranges in held):
            return False
        for memory, ranges in held:
            for start, end in ranges:
                np.ndarray((end - start,), dtype=np.uint8, buffer=memory, offset=start).fill(0)
        self.used = [0, 0]
        return True

    def close(self) -> None:
        for memory, fd in ((self.inputs, self.inputs_fd), (self.shared, self.shared_fd)):
            memory.close()
            os.close(fd)


def _held_ranges(fd: int) -> list[tuple[int, int]]:
    """The byte ranges of a memfd that hold memory (``SEEK_DATA``/``SEEK_HOLE``: pages never touched are holes),
    at most ``_RECYCLED_RANGES`` + 1 of them."""
    ranges, position = [], 0
    while len(ranges) <= _RECYCLED_RANGES:
        try:
            start = os.lseek(fd, position, os.SEEK_DATA)
        except OSError as exc:
            if exc.errno == errno.ENXIO:  # no data at or after position
                return ranges
            raise
        position = os.lseek(fd, start, os.SEEK_HOLE)
        ranges.append((start, position))
    return ranges


class LearnerArena:
    """The learner's side of the :class:`Arena`: read-only views of inputs, writable tensors, room for replies."""

    array_tag, tensor_tag = "$r", "$R"

    def __init__(self, inputs, shared) -> None:
        # Buffers mapped by the child (grader.sandbox.linux.map_shared): ``inputs`` read-only.
        self.inputs = memoryview(inputs).toreadonly()
        self.shared = shared
        self.reply_start = len(shared) // 2 // _ARENA_ALIGNMENT * _ARENA_ALIGNMENT
        self.used = self.reply_start

    def resolve(self, tag: str, payload: list, spend) -> Any:
        if tag not in ("$m", "$M", "$w"):
            raise ProtocolError(f"unknown or malformed tag {tag!r} in frame")
        offset, descr, shape = payload
        memory = self.inputs if tag == "$m" else self.shared
        array = np.ndarray(tuple(shape), dtype=descr, buffer=memory, offset=offset)
        return _as_tensor(array) if tag == "$M" else array

    def start_reply(self) -> None:
        """Each reply reuses the reply area: the checker has copied the previous one out."""
        self.used = self.reply_start

    def place(self, array: np.ndarray, *, tensor: bool = False) -> Region | None:
        region, self.used = _allocate(self.shared, 1, array, self.used, len(self.shared))
        return region


def _allocate(memory, area: int, array: np.ndarray, used: int, end: int) -> tuple[Region | None, int]:
    start = -used % _ARENA_ALIGNMENT + used
    if start + array.nbytes > end:
        return None, used
    region = Region(area, start, array.dtype.str, array.shape)
    np.ndarray(region.shape, dtype=array.dtype, buffer=memory, offset=start)[...] = array
    return region, start + array.nbytes


def _checked_dtype(descr: str) -> np.dtype:
    try:
        dtype = np.dtype(descr)
    except (TypeError, ValueError) as exc:
        raise ProtocolError(f"invalid dtype in frame: {exc}") from None
    if dtype.kind not in _ALLOWED_DTYPE_KINDS or dtype.hasobject or dtype.fields is not None or dtype.subdtype:
        raise ProtocolError(f"arrays of dtype {dtype} are not accepted")
    return dtype


def _checked_shape(shape: Any) -> tuple[int, ...]:
    if not (isinstance(shape, list) and len(shape) <= 32 and all(type(dim) is int and dim >= 0 for dim in shape)):
        raise ProtocolError("an array's shape must be a list of at most 32 non-negative integers")
    return tuple(shape)


# Encoding


def encode(value: Any, *, arena: Arena | LearnerArena | None = None, placed: list | None = None) -> bytes:
    """Encode ``value`` as a frame body (header and blobs).

    With an ``arena``, arrays and tensors go into shared memory where they fit, and ``placed`` receives
    each array's :class:`Region` (``None`` for those that travelled in the frame), in the order they
    appear in ``value``.
    """
    blobs: list[bytes] = []
    tree = _Encoder(blobs, arena, placed if placed is not None else []).tree(value, depth=0)
    header = json.dumps({"v": tree, "blobs": [len(b) for b in blobs]}, allow_nan=False).encode()
    return _U32.pack(len(header)) + header + b"".join(blobs)


class _Encoder:
    def __init__(self, blobs: list[bytes], arena: Arena | None, placed: list) -> None:
        self.blobs = blobs
        self.arena = arena
        self.placed = placed
        self.blob_bytes = 0

    def tree(self, value: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise ProtocolError(f"value nested deeper than {MAX_DEPTH} levels")
        # The common exact types first: a grading encodes thousands of values, and the general tests below
        # (a tensor's is by module name) cost more than the encoding itself.
        kind = type(value)
        if kind is np.ndarray:
            return self.array(value, tensor=False)
        if kind is str or kind is int or kind is bool or value is None:
            return value
        if kind is float:
            return value if math.isfinite(value) else {"$f": repr(value)}
        if kind is tuple:
            return {"$t": [self.tree(item, depth + 1) for item in value]}
        if kind is list:
            return [self.tree(item, depth + 1) for item in value]
        if isinstance(value, np.ndarray):
            return self.array(value, tensor=False)
        if isinstance(value, Writable):
            return self.array(np.asarray(value.array), tensor=False, writable=True)
        if _is_tensor(value):
            return self.array(value.detach().cpu().numpy(), tensor=True)
        if isinstance(value, tuple):
            return {"$t": [self.tree(item, depth + 1) for item in value]}
        if isinstance(value, list):
            return [self.tree(item, depth + 1) for item in value]
        if isinstance(value, dict):
            if not all(isinstance(key, str) for key in value):
                raise ProtocolError("only dicts with string keys can be sent")
            return {"$d": [[key, self.tree(item, depth + 1)] for key, item in value.items()]}
        return _scalar_tree(value, self.blobs)

    def array(self, array: np.ndarray, *, tensor: bool, writable: bool = False) -> Any:
        if array.dtype.kind not in _ALLOWED_DTYPE_KINDS:
            raise ProtocolError(f"arrays of dtype {array.dtype} cannot be sent (numbers and booleans only)")
        # A writable array goes where tensors go: the part of the shared area the checker reads back.
        shared = tensor or writable
        region = self.arena.place(array, tensor=shared) if self.arena is not None else None
        self.placed.append(region)
        if region is None:
            # Refused before it is copied: a batch of calls that each return a huge array would otherwise spend
            # the learner's CPU budget copying gigabytes into a frame that is refused at the end anyway.
            if self.blob_bytes + array.nbytes > MAX_FRAME_BYTES:
                raise ProtocolError(f"the value is larger than {MAX_FRAME_BYTES} bytes")
            self.blob_bytes += array.nbytes
            return {"$T" if tensor else "$a": _add_blob(array, self.blobs)}
        tag = self.arena.tensor_tag if tensor else Arena.writable_tag if writable else self.arena.array_tag
        return {tag: [region.offset, region.dtype, list(region.shape)]}


def _scalar_tree(value: Any, blobs: list[bytes]) -> Any:
    if isinstance(value, np.generic):
        # Finite real scalars travel inline (a blob each costs a .npy header and a copy).
        if value.dtype.kind in "biuf" and (value.dtype.kind != "f" or math.isfinite(value)):
            return {"$n": [value.dtype.str, value.item()]}
        return {"$s": _add_blob(np.asarray(value), blobs)}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else {"$f": repr(float(value))}
    if isinstance(value, Seed):
        return {"$rng": int(value.value)}
    if isinstance(value, Handle):
        return {"$h": int(value.ref)}
    raise ProtocolError(f"a value of type {type(value).__name__} cannot be sent")


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def _add_blob(array: np.ndarray, blobs: list[bytes]) -> int:
    array = np.asarray(array)
    if array.dtype.kind not in _ALLOWED_DTYPE_KINDS:
        raise ProtocolError(f"arrays of dtype {array.dtype} cannot be sent (numbers and booleans only)")
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    blobs.append(buffer.getvalue())
    return len(blobs) - 1


# Decoding


def decode(
    body: bytes, *, allow_seeds: bool = False, arena: Arena | LearnerArena | None = None, allow_tensors: bool = True
) -> Any:
    """Decode a frame body; anything unexpected in it raises :class:`ProtocolError`.

    ``allow_seeds`` is for the learner's side, which receives requests. ``arena`` resolves arrays in
    shared memory: request arrays on the learner's side, reply arrays (checked, then copied) on the
    checker's. ``allow_tensors`` is off where no tensor is expected (a grading without PyTorch): the
    checker then never imports PyTorch because of a reply.

    A reply can be no bigger once decoded than its frame and the reply area together: each blob is used
    once, and copies out of the arena are counted against that budget before they are made.
    """
    try:
        return _decode(body, allow_seeds, arena, allow_tensors)
    except ProtocolError:
        raise
    except Exception as exc:  # noqa: BLE001 - hostile bytes may break numpy or torch in many ways: fail closed
        raise ProtocolError(f"invalid frame ({type(exc).__name__}: {str(exc)[:200]})") from None


def _decode(body: bytes, allow_seeds: bool, arena, allow_tensors: bool) -> Any:
    if len(body) < 4:
        raise ProtocolError("frame too short")
    (header_len,) = _U32.unpack_from(body)
    if header_len > len(body) - 4 or header_len > MAX_HEADER_BYTES:
        raise ProtocolError("frame header length is larger than the frame or the limit")
    # Every list and object in the header is a node: count them before json.loads builds them.
    if body.count(b"[", 4, 4 + header_len) + body.count(b"{", 4, 4 + header_len) > 2 * MAX_NODES:
        raise ProtocolError(f"value has more than {MAX_NODES} parts")
    try:
        header = json.loads(body[4 : 4 + header_len].decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProtocolError(f"frame header is not valid JSON: {exc}") from None
    if not isinstance(header, dict) or set(header) != {"v", "blobs"}:
        raise ProtocolError("frame header must hold exactly 'v' and 'blobs'")
    blobs = _split_blobs(body[4 + header_len :], header["blobs"])
    budget = MAX_FRAME_BYTES + (arena.reply_bytes if isinstance(arena, Arena) else 0)
    return _Decoder(blobs, allow_seeds, arena, allow_tensors, budget).value(header["v"], depth=0)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in a frame header")


def _split_blobs(data: bytes, sizes: Any) -> list[bytes]:
    if not isinstance(sizes, list) or not all(type(size) is int and size >= 0 for size in sizes):
        raise ProtocolError("blob sizes must be a list of non-negative integers")
    if sum(sizes) != len(data):
        raise ProtocolError("blob sizes do not add up to the frame's length")
    blobs, offset = [], 0
    for size in sizes:
        blobs.append(data[offset : offset + size])
        offset += size
    return blobs


class _Decoder:
    def __init__(self, blobs: list[bytes], allow_seeds: bool, arena, allow_tensors: bool, budget: int) -> None:
        self.blobs = blobs
        self.allow_seeds = allow_seeds
        self.arena = arena
        self.allow_tensors = allow_tensors
        self.budget = budget
        self.used_blobs: set[int] = set()
        self.nodes = 0

    def spend(self, nbytes: int) -> None:
        if nbytes > self.budget:
            raise ProtocolError("the reply's arrays are larger than its frame and the reply area")
        self.budget -= nbytes

    def value(self, node: Any, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ProtocolError(f"value has more than {MAX_NODES} parts")
        if depth > MAX_DEPTH:
            raise ProtocolError(f"value nested deeper than {MAX_DEPTH} levels")
        # json.loads builds exactly these types, never subclasses.
        kind = type(node)
        if kind is str or kind is int or kind is float or kind is bool or node is None:
            return node
        if kind is list:
            return [self.value(item, depth + 1) for item in node]
        if kind is dict and len(node) == 1:
            ((tag, payload),) = node.items()
            return self.tagged(tag, payload, depth)
        raise ProtocolError("malformed value in frame")

    def tagged(self, tag: str, payload: Any, depth: int) -> Any:
        if tag in ("$T", "$M", "$R") and not self.allow_tensors:
            raise ProtocolError("a tensor where none is expected (return NumPy arrays)")
        if tag == "$f" and payload in ("nan", "inf", "-inf"):
            return float(payload)
        if tag == "$n":
            return _inline_scalar(payload)
        if tag == "$t" and isinstance(payload, list):
            return tuple(self.value(item, depth + 1) for item in payload)
        if tag == "$d" and isinstance(payload, list):
            return self.mapping(payload, depth)
        if tag in ("$a", "$s", "$T") and type(payload) is int:
            return self.array(tag, payload)
        if tag == "$h" and type(payload) is int:
            return Handle(payload)
        if tag == "$rng" and self.allow_seeds and type(payload) is int:
            return Seed(payload)
        if tag in ("$m", "$M", "$w", "$r", "$R") and self.arena is not None:
            return self.arena.resolve(tag, payload, self.spend)
        raise ProtocolError(f"unknown or malformed tag {tag!r} in frame")

    def mapping(self, pairs: list, depth: int) -> dict:
        result = {}
        for pair in pairs:
            if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
                raise ProtocolError("malformed dict entry in frame")
            result[pair[0]] = self.value(pair[1], depth + 1)
        return result

    def array(self, tag: str, index: int) -> Any:
        if not 0 <= index < len(self.blobs):
            raise ProtocolError("array refers to a missing blob")
        if index in self.used_blobs:
            raise ProtocolError("a blob is referred to twice")
        self.used_blobs.add(index)
        array = load_npy(self.blobs[index])
        if tag == "$s":
            if array.ndim != 0:
                raise ProtocolError("a scalar must be a 0-d array")
            return array[()]
        if tag == "$T":
            return _as_tensor(array)
        return array


def _inline_scalar(payload: Any) -> np.generic:
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], str) and len(payload[0]) <= 8):
        raise ProtocolError("malformed scalar in frame")
    dtype = _checked_dtype(payload[0])
    value = payload[1]
    kinds = {"b": (bool,), "i": (int,), "u": (int,), "f": (int, float)}
    if dtype.kind not in kinds or type(value) not in kinds[dtype.kind]:
        raise ProtocolError(f"a {dtype} scalar cannot hold {type(value).__name__}")
    # Out-of-range integers raise OverflowError here, which decode() turns into a ProtocolError.
    return dtype.type(value)


def _torch():
    import torch  # only exercises that send tensors pay for it

    return torch


def _as_tensor(array: np.ndarray):
    if array.dtype not in _TENSOR_DTYPES or not array.dtype.isnative:
        raise ProtocolError(f"a tensor of dtype {array.dtype} cannot be rebuilt")
    return _torch().from_numpy(array)


def load_npy(blob: bytes) -> np.ndarray:
    """Rebuild an array from ``.npy`` bytes, checking the header before touching the data.

    ``np.load`` would allocate whatever shape the header claims before reading; here the byte count
    is checked first, the dtype must be numeric or boolean, and the result owns its memory.
    """
    stream = io.BytesIO(blob)
    try:
        version = np.lib.format.read_magic(stream)
        if version not in ((1, 0), (2, 0), (3, 0)):
            raise ProtocolError(f"unsupported .npy version {version}")
        shape, fortran_order, dtype = _read_npy_header(stream, version)
    except ProtocolError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parse failure of hostile bytes is a protocol error
        raise ProtocolError(f"invalid .npy data: {exc}") from None
    if dtype.kind not in _ALLOWED_DTYPE_KINDS or dtype.hasobject or dtype.fields is not None:
        raise ProtocolError(f"arrays of dtype {dtype} are not accepted")
    if dtype.subdtype is not None:
        raise ProtocolError("sub-array dtypes are not accepted")
    count = math.prod(shape)
    data = blob[stream.tell() :]
    if count * dtype.itemsize != len(data):
        raise ProtocolError(f"array claims shape {shape} of {dtype} but carries {len(data)} bytes")
    array = np.frombuffer(data, dtype=dtype, count=count)
    return array.reshape(shape, order="F" if fortran_order else "C").copy()


def _read_npy_header(stream: io.BytesIO, version: tuple[int, int]) -> tuple[tuple[int, ...], bool, np.dtype]:
    # Parsed by hand with ast.literal_eval (never eval), as numpy itself does, with strict type checks.
    length_format = "<H" if version == (1, 0) else "<I"
    raw_length = stream.read(struct.calcsize(length_format))
    (length,) = struct.unpack(length_format, raw_length)
    if length > 64 * 1024:
        raise ProtocolError(".npy header too long")
    header = ast.literal_eval(stream.read(length).decode("latin1" if version != (3, 0) else "utf8"))
    if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"}:
        raise ProtocolError(".npy header has unexpected keys")
    shape, fortran_order, descr = header["shape"], header["fortran_order"], header["descr"]
    if not (isinstance(shape, tuple) and all(type(dim) is int and dim >= 0 for dim in shape)):
        raise ProtocolError(".npy shape must be a tuple of non-negative integers")
    if len(shape) > 32:
        raise ProtocolError(".npy array has too many dimensions")
    if not isinstance(fortran_order, bool) or not isinstance(descr, str):
        raise ProtocolError(".npy header has wrong types")
    return shape, fortran_order, np.dtype(descr)


# Framing


def write_frame(fd: int, body: bytes) -> None:
    """Write one frame to ``fd`` (blocking)."""
    if len(body) > MAX_FRAME_BYTES:
        raise ProtocolError(f"message of {len(body)} bytes exceeds the {MAX_FRAME_BYTES}-byte limit")
    view = memoryview(_U32.pack(len(body)) + body)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_frame(fd: int, deadline: float | None = None) -> bytes:
    """Read one frame from ``fd``; ``deadline`` is a ``time.monotonic()`` value, ``None`` blocks."""
    (length,) = _U32.unpack(_read_exact(fd, 4, deadline))
    if length > MAX_FRAME_BYTES:
        raise ProtocolError(f"message of {length} bytes exceeds the {MAX_FRAME_BYTES}-byte limit")
    return _read_exact(fd, length, deadline)


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, remaining = [], size
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise Timeout("no answer before the deadline")
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise PeerGone("the other side closed the pipe")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
