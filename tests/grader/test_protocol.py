"""The wire format is the trust boundary: values round-trip, and anything else is refused."""

import io
import json
import pickle
import struct

import numpy as np
import pytest
import torch

from grader import protocol
from grader.protocol import Handle, ProtocolError, Seed


def _body(tree, blobs=()):
    header = json.dumps({"v": tree, "blobs": [len(b) for b in blobs]}).encode()
    return struct.pack(">I", len(header)) + header + b"".join(blobs)


def _npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def test_plain_values_round_trip():
    value = {"a": [1, 2.5, None, True, "text"], "t": (1, (2, 3)), "nan": float("nan"), "inf": float("-inf")}
    decoded = protocol.decode(protocol.encode(value))
    assert decoded["a"] == [1, 2.5, None, True, "text"]
    assert decoded["t"] == (1, (2, 3))
    assert np.isnan(decoded["nan"]) and decoded["inf"] == float("-inf")


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "bool", "complex128", "uint8"])
def test_arrays_round_trip_with_dtype_and_shape(dtype):
    array = (np.arange(24).reshape(2, 3, 4) % 2).astype(dtype)
    decoded = protocol.decode(protocol.encode([array]))[0]
    assert decoded.dtype == array.dtype and decoded.shape == array.shape
    assert np.array_equal(decoded, array)
    assert decoded.flags.writeable and decoded.flags.owndata


def test_fortran_ordered_and_zero_size_arrays_round_trip():
    fortran = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    empty = np.zeros((0, 5))
    decoded = protocol.decode(protocol.encode((fortran, empty)))
    assert np.array_equal(decoded[0], fortran)
    assert decoded[1].shape == (0, 5)


def test_numpy_scalars_and_tensors_come_back_as_their_kind():
    decoded = protocol.decode(protocol.encode([np.float64(2.5), torch.tensor([1.0, 2.0])]))
    assert isinstance(decoded[0], np.float64) and decoded[0] == 2.5
    assert isinstance(decoded[1], torch.Tensor) and decoded[1].tolist() == [1.0, 2.0]


def test_seeds_are_accepted_only_by_the_learner_side():
    body = protocol.encode([Seed(7)])
    assert protocol.decode(body, allow_seeds=True) == [Seed(7)]
    with pytest.raises(ProtocolError):
        protocol.decode(body)


def test_handles_round_trip():
    assert protocol.decode(protocol.encode(Handle(3))) == Handle(3)


def test_a_pickle_payload_is_refused_without_being_run(tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    with pytest.raises(ProtocolError):
        protocol.decode(pickle.dumps(Exploit()))
    object_array = _body({"$a": 0}, [pickle.dumps(Exploit())])
    with pytest.raises(ProtocolError):
        protocol.decode(object_array)
    assert not marker.exists()


def test_object_dtype_npy_is_refused():
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ProtocolError, match="dtype"):
        protocol.decode(_body({"$a": 0}, [buffer.getvalue()]))


def test_structured_dtype_is_refused():
    record = np.zeros(2, dtype=[("x", "f8"), ("y", "i4")])
    with pytest.raises(ProtocolError):
        protocol.decode(_body({"$a": 0}, [_npy(record)]))


def _npy_with_header(header: str, data: bytes) -> bytes:
    text = header.encode("latin1")
    text += b" " * (-(10 + len(text) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + data


def test_header_claiming_a_huge_shape_is_refused_before_allocating():
    blob = _npy_with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999,), }", b"\0" * 32)
    with pytest.raises(ProtocolError, match="carries"):
        protocol.decode(_body({"$a": 0}, [blob]))


def test_npy_header_with_code_is_not_evaluated():
    blob = _npy_with_header("{'descr': __import__('os').getcwd(), 'fortran_order': False, 'shape': (1,), }", b"")
    with pytest.raises(ProtocolError):
        protocol.decode(_body({"$a": 0}, [blob]))


def test_truncated_array_data_is_refused():
    blob = _npy(np.arange(10.0))
    with pytest.raises(ProtocolError):
        protocol.decode(_body({"$a": 0}, [blob[:-8]]))


@pytest.mark.parametrize(
    "tree",
    [
        {"plain": "dict"},
        {"$a": 5},
        {"$f": "1e400"},
        {"$x": 1},
        {"$d": [["k"]]},
        {"$a": 0, "$t": []},
    ],
)
def test_malformed_values_are_refused(tree):
    with pytest.raises(ProtocolError):
        protocol.decode(_body(tree))


def test_nan_literals_in_the_json_header_are_refused():
    header = b'{"v": NaN, "blobs": []}'
    with pytest.raises(ProtocolError):
        protocol.decode(struct.pack(">I", len(header)) + header)


def test_deeply_nested_values_are_refused():
    tree = 1
    for _ in range(protocol.MAX_DEPTH + 5):
        tree = [tree]
    with pytest.raises(ProtocolError):
        protocol.decode(_body(tree))
    with pytest.raises(ProtocolError):
        protocol.encode(tree)


def test_very_wide_values_are_refused():
    with pytest.raises(ProtocolError, match="parts"):
        protocol.decode(_body([0] * (protocol.MAX_NODES + 1)))


def test_blob_sizes_must_add_up():
    header = json.dumps({"v": None, "blobs": [10]}).encode()
    with pytest.raises(ProtocolError):
        protocol.decode(struct.pack(">I", len(header)) + header + b"short")


def test_unsendable_values_raise_protocol_errors():
    with pytest.raises(ProtocolError):
        protocol.encode(object())
    with pytest.raises(ProtocolError):
        protocol.encode({1: "non-string key"})
    with pytest.raises(ProtocolError):
        protocol.encode(np.array(["text"]))


def test_frames_round_trip_through_a_pipe():
    import os

    read_fd, write_fd = os.pipe()
    try:
        protocol.write_frame(write_fd, protocol.encode({"x": np.ones(3)}))
        decoded = protocol.decode(protocol.read_frame(read_fd))
        assert np.array_equal(decoded["x"], np.ones(3))
    finally:
        os.close(read_fd)
        os.close(write_fd)


def test_read_frame_times_out_instead_of_blocking():
    import os
    import time

    read_fd, write_fd = os.pipe()
    try:
        with pytest.raises(protocol.Timeout):
            protocol.read_frame(read_fd, deadline=time.monotonic() + 0.05)
    finally:
        os.close(read_fd)
        os.close(write_fd)


def test_oversized_frame_length_is_refused():
    import os

    read_fd, write_fd = os.pipe()
    try:
        os.write(write_fd, struct.pack(">I", protocol.MAX_FRAME_BYTES + 1))
        with pytest.raises(ProtocolError, match="exceeds"):
            protocol.read_frame(read_fd)
    finally:
        os.close(read_fd)
        os.close(write_fd)


# Replies built to hurt the checker (found by a red team): every one is a ProtocolError, nothing else.


def _frame(value_tree, blobs=()) -> bytes:
    header = json.dumps({"v": value_tree, "blobs": [len(blob) for blob in blobs]}).encode()
    return struct.pack(">I", len(header)) + header + b"".join(blobs)


def test_an_empty_array_of_impossible_shape_is_a_protocol_error_not_a_crash():
    arena = protocol.Arena(1 << 20)
    try:
        with pytest.raises(protocol.ProtocolError):
            protocol.decode(_frame({"$r": [arena.reply_start, "<f8", [0, 1 << 62, 1 << 62]]}), arena=arena)
    finally:
        arena.close()


def test_one_reply_area_referred_to_many_times_cannot_amplify_memory():
    arena = protocol.Arena(1 << 20)
    reference = {"$r": [arena.reply_start, "<f8", [arena.reply_bytes // 8]]}
    try:
        with pytest.raises(protocol.ProtocolError, match="larger than its frame"):
            protocol.decode(_frame([reference] * 400), arena=arena)
    finally:
        arena.close()


def test_a_blob_referred_to_twice_is_refused():
    blob = _npy(np.zeros(10))
    with pytest.raises(protocol.ProtocolError, match="twice"):
        protocol.decode(_frame([{"$a": 0}, {"$a": 0}], [blob]))


def test_a_header_of_millions_of_empty_lists_is_refused_before_it_is_parsed():
    header = ('{"v": [' + ",".join(["[]"] * 1_000_000) + '], "blobs": []}').encode()
    with pytest.raises(protocol.ProtocolError, match="parts"):
        protocol.decode(struct.pack(">I", len(header)) + header)


def test_a_tensor_where_none_is_expected_is_refused_without_importing_torch():
    with pytest.raises(protocol.ProtocolError, match="tensor"):
        protocol.decode(_frame({"$T": 0}, [_npy(np.zeros(3))]), allow_tensors=False)


def test_a_non_native_tensor_is_a_protocol_error():
    with pytest.raises(protocol.ProtocolError, match="cannot be rebuilt"):
        protocol.decode(_frame({"$T": 0}, [_npy(np.zeros(3, dtype=">f8"))]))


@pytest.mark.parametrize("value", [np.float64(1.5), np.int64(-3), np.bool_(True), np.float32(2.5), np.uint8(7)])
def test_finite_real_numpy_scalars_travel_inline_and_come_back_with_their_dtype(value):
    body = protocol.encode(value)
    assert b'"$n"' in body
    back = protocol.decode(body)
    assert type(back) is type(value) and back == value


@pytest.mark.parametrize("payload", [["<i8", 2**70], ["<i8", 1.5], ["|b1", 1], ["O", 1], ["<f8", "x"]])
def test_a_malformed_inline_scalar_is_a_protocol_error(payload):
    header = json.dumps({"v": {"$n": payload}, "blobs": []}).encode()
    with pytest.raises(ProtocolError):
        protocol.decode(struct.pack(">I", len(header)) + header)


def test_a_writable_array_goes_to_the_shared_area_and_only_the_learner_side_reads_its_tag():
    arena = protocol.Arena(1 << 20)
    try:
        placed = []
        body = protocol.encode([protocol.Writable(np.arange(4.0)), np.ones(2)], arena=arena, placed=placed)
        assert [region.area for region in placed] == [1, 0]  # shared, then the read-only inputs
        tree = json.loads(body[4 : 4 + struct.unpack(">I", body[:4])[0]])["v"]
        assert list(tree[0]) == ["$w"]
        with pytest.raises(ProtocolError, match="unknown or malformed tag"):
            protocol.decode(_frame([tree[0]]), arena=arena)  # a reply may not claim one
    finally:
        arena.close()


def test_subclasses_of_plain_types_encode_as_their_base_types_do():
    # The encoder looks at exact types first; a subclass still takes the general path and comes back alike.
    import collections
    import enum

    Pair = collections.namedtuple("Pair", "a b")

    class Level(enum.IntEnum):
        HIGH = 3

    class Real(float):
        pass

    class Marked(np.ndarray):
        pass

    value = [Pair(1, 2), Level.HIGH, Real(float("inf")), np.arange(3.0).view(Marked), (np.int64(4),)]
    decoded = protocol.decode(protocol.encode(value))
    assert decoded[0] == (1, 2) and type(decoded[0]) is tuple
    assert decoded[1] == 3 and type(decoded[1]) is int
    assert decoded[2] == float("inf")
    assert type(decoded[3]) is np.ndarray and decoded[3].tolist() == [0.0, 1.0, 2.0]
    assert decoded[4] == (4,) and isinstance(decoded[4][0], np.int64)


def _mapped(arena):
    """The learner's mappings of ``arena``: the inputs read-only, the shared file writable."""
    import mmap

    inputs = mmap.mmap(arena.inputs_fd, len(arena.inputs), prot=mmap.PROT_READ)
    return inputs, mmap.mmap(arena.shared_fd, len(arena.shared))


def test_a_recycled_arena_holds_nothing_of_what_was_written_anywhere_in_it():
    arena = protocol.Arena(8 << 20)
    try:
        placed = []
        protocol.encode([np.full(50_000, 3.0), protocol.Writable(np.full(1000, 5.0))], arena=arena, placed=placed)
        _, shared = _mapped(arena)
        # The learner's process may write anywhere in the shared file: the tensor half, the reply half, the end.
        rng = np.random.default_rng(0)
        offsets = [0, len(shared) - 1, arena.reply_start, *(int(o) for o in rng.integers(0, len(shared), 40))]
        for offset in offsets:
            shared[offset] = 0x5A
        assert arena.recycled(8 << 20)
        assert arena.used == [0, 0]
        for memory in (arena.inputs, arena.shared):
            assert not np.frombuffer(memory, dtype=np.uint8).any()
        # And it serves as a new one would.
        placed = []
        body = protocol.encode([np.arange(5.0)], arena=arena, placed=placed)
        assert placed[0].offset == 0
        learner = protocol.LearnerArena(*(memoryview(m) for m in _mapped(arena)))
        assert protocol.decode(body, allow_seeds=True, arena=learner)[0].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    finally:
        arena.close()


def test_an_arena_holding_more_than_the_limit_is_not_recycled():
    arena = protocol.Arena(8 << 20)
    try:
        protocol.encode([np.ones(100_000)], arena=arena)  # 800 KB of inputs
        assert not arena.recycled(512 << 10)
        assert arena.used[0] >= 800_000  # left as it was, to be closed
    finally:
        arena.close()


def test_an_arena_whose_memory_lies_in_scattered_pages_is_not_recycled():
    # Arrays fill the files from their starts; a learner scattering single pages would only make the search slow.
    arena = protocol.Arena(8 << 20)
    try:
        _, shared = _mapped(arena)
        for offset in range(0, 130 * 8192, 8192):  # every other page: 130 separate ranges
            shared[offset] = 1
        assert arena.held_bytes() == 130 * 4096
        assert not arena.recycled(8 << 20)
    finally:
        arena.close()
