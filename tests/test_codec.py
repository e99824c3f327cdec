"""course.grading.codec: round trips with exact types, refusals, hostile bytes, size and depth caps,
refresh(). The Keras tests come last, all named test_keras_* (``-k "not keras"`` skips them):
about 4 s plus TensorFlow's import."""

import io
import json
import math
import pickle
import random
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from course.grading import codec
from course.grading.codec import MAGIC, CodecError, decode, describe_type, encode, refresh

PWNED = []


def _pwn():
    PWNED.append(True)


class _Evil:
    """Unpickling this records that code ran."""

    def __reduce__(self):
        return (_pwn, ())


class _Magic:
    """Compares equal to anything and reads nothing: the classic test-fooling return value."""

    def __eq__(self, other):
        return True

    __hash__ = object.__hash__

    def __array__(self, dtype=None, copy=None):
        return np.array(1.0)


class _EvilSet(set):
    def __eq__(self, other):
        return True

    __hash__ = None


class _EvilList(list):
    pass


def _round_trip(value):
    return decode(encode(value))


def assert_same(a, b):
    """Equal values of exactly the same types, recursively (NaN equals NaN)."""
    assert type(a) is type(b), (type(a), type(b))
    if type(a) is np.ndarray:
        assert (a.dtype, a.shape) == (b.dtype, b.shape)
        assert np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
        if a.flags.c_contiguous or a.flags.f_contiguous:  # others arrive C-contiguous
            assert a.flags.f_contiguous == b.flags.f_contiguous
        assert a.flags.writeable and b.flags.owndata
    elif type(a) in (list, tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert_same(x, y)
    elif type(a) is dict:
        assert_same(list(a), list(b))
        for key in a:
            assert_same(a[key], b[key])
    elif type(a) in (set, frozenset):
        assert a == b
        assert sorted(type(x).__name__ for x in a) == sorted(type(x).__name__ for x in b)
    elif isinstance(a, float | complex | np.inexact) and a != a:
        assert b != b
    else:
        assert a == b


# --------------------------------------------------------------------------- round trips

SCALARS = [
    None, True, False, 0, -7, 2**63 - 1, 2**64 + 5, -(3**200), 1.5, -0.0, math.inf, math.nan,
    1e-310, 2 + 3j, "", "héllo ✓", "lone \ud800 surrogate", b"", b"\x00\xff",
    np.int8(-3), np.uint16(7), np.int32(5), np.int64(3), np.uint64(2**64 - 1), np.float16(0.5),
    np.float32(2.5), np.float64(1.25), np.longdouble("1.1"), np.complex64(1 - 1j),
    np.complex128(2j), np.clongdouble(3 + 1j), np.bool_(True), np.bool_(False), np.str_("ab"),
    np.bytes_(b"xy"), np.float64("nan"),
]
ARRAYS = [
    np.arange(6).reshape(2, 3), np.arange(6.0).reshape(2, 3).T, np.asfortranarray(np.ones((2, 3))),
    np.arange(10)[::3], np.array(3.0), np.array(True), np.array("x"), np.array(["a", "bcd"]),
    np.array([b"x", b"yz"]), np.array([True, False]), np.empty((0, 3)), np.array([], dtype="U"),
    np.array([1 + 2j, np.nan], dtype=np.complex64), np.arange(4, dtype=">i4"),
    np.array([np.nan, -np.inf], dtype=np.float16), np.zeros((2, 1, 2, 1), dtype=np.uint8),
]
CONTAINERS = [
    [], (), {}, set(), frozenset(), [1, (2, 3), {"a": {1, 2}}, frozenset({(1, "x")})], (1,),
    {(1, 2): [np.float64(1.0)], np.int64(5): None, "z": (), 1.5: {}}, {"b", "a", 3, 2.0},
    {"W": np.ones((2, 2)), "b": np.zeros(2), "meta": {"lr": 0.1, "steps": [1, 2]}},
    [[[[[1]]]]], {None: True, False: None},
]


@pytest.mark.parametrize("value", SCALARS + ARRAYS + CONTAINERS, ids=repr)
def test_round_trip_keeps_value_and_exact_type(value):
    assert_same(value, _round_trip(value))


def _without_padding(values):
    """80-bit long doubles are stored in 16 bytes whose padding is not initialised, so
    their bytes are not comparable."""
    return [v for v in values if getattr(v, "dtype", None) not in (np.longdouble, np.clongdouble)]


@pytest.mark.parametrize("value", _without_padding(SCALARS + ARRAYS + CONTAINERS), ids=repr)
def test_encoding_is_deterministic(value):
    data = encode(value)
    assert encode(decode(data)) == data


def test_decoded_arrays_are_fresh_copies():
    array = np.arange(4.0)
    copy = _round_trip([array, array])
    copy[0][0] = 99
    assert array[0] == 0 and copy[1][0] == 0 and copy[0] is not copy[1]


def test_dataframe_round_trip_keeps_dtypes_index_and_names():
    frame = pd.DataFrame({
        "x": np.array([1, 2, 3], dtype=np.int32), "y": ["a", None, "c"], "z": [1.5, np.nan, 3],
        "c": pd.Categorical(["u", "v", "u"], ordered=True), "b": [True, False, True],
        "o": pd.Series(["p", 3, None], dtype=object), 7: pd.array(["s", "t", None],
                                                                  dtype="string"),
    }, index=pd.Index(["r1", "r2", "r3"], name="row"))
    copy = _round_trip(frame)
    assert type(copy) is pd.DataFrame
    pd.testing.assert_frame_equal(copy, frame, check_exact=True, check_index_type=True,
                                  check_column_type=True)
    assert list(copy.dtypes) == list(frame.dtypes)
    assert encode(copy) == encode(frame)


@pytest.mark.parametrize("value", [
    pd.Series([1.0, 2.0], name="s", index=pd.RangeIndex(3, 7, 2)),
    pd.Series(["a", "b"], index=pd.Index([10, 20], dtype=np.int64), name=("t", 1)),
    pd.Series(pd.Categorical(["x", "y"]), index=pd.CategoricalIndex(["p", "q"])),
    pd.Series([], dtype=np.float64),
    pd.DataFrame(), pd.DataFrame({"a": []}), pd.DataFrame(index=pd.RangeIndex(2, name="i")),
    pd.DataFrame(np.arange(6).reshape(3, 2), columns=["a", "a"]),
], ids=lambda v: type(v).__name__)
def test_pandas_round_trip(value):
    copy = _round_trip(value)
    assert type(copy) is type(value)
    assert type(copy.index) is type(value.index)
    assert copy.index.name == value.index.name
    if type(value) is pd.Series:
        pd.testing.assert_series_equal(copy, value, check_exact=True, check_index_type=True)
    else:
        pd.testing.assert_frame_equal(copy, value, check_exact=True, check_index_type=True,
                                      check_column_type=True)


@pytest.mark.parametrize("value, expected", [
    (pd.DataFrame({"t": pd.to_datetime(["2024-01-01"])}), "column 't' has dtype datetime64"),
    (pd.Series([1, 2], dtype="Int64"), "has dtype Int64"),
    (pd.Series([1], index=pd.MultiIndex.from_tuples([(1, 2)])), "index is a MultiIndex"),
    (pd.Series([[1, 2]], dtype=object), "list"),
])
def test_pandas_unsupported_parts_are_named(value, expected):
    with pytest.raises(CodecError, match=expected):
        encode(value)


@pytest.mark.parametrize("bit_generator", ["PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64"])
def test_generator_round_trip_continues_the_same_stream(bit_generator):
    rng = np.random.Generator(getattr(np.random, bit_generator)(42))
    rng.normal(size=3)
    rng.integers(0, 10)  # leaves a buffered 32-bit half in some bit generators
    copy = _round_trip(rng)
    assert type(copy) is np.random.Generator and copy is not rng
    assert type(copy.bit_generator) is type(rng.bit_generator)
    np.testing.assert_array_equal(copy.random(5), rng.random(5))
    assert copy.integers(0, 2**31) == rng.integers(0, 2**31)


def test_plain_values_do_not_import_keras_or_pandas():
    script = ("import numpy as np, sys\nfrom course.grading.codec import decode, encode\n"
              "decode(encode([1, np.zeros(3), {'a': np.random.default_rng(0)}]))\n"
              "print(sorted(m for m in ('keras', 'tensorflow', 'pandas') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, check=True, cwd=Path(codec.__file__).parents[1])
    assert result.stdout.strip() == "[]"


# --------------------------------------------------------------------------- refusals

def _generator():
    yield 1


@pytest.mark.parametrize("value, expected", [
    (_Magic(), r"returned a tests\._Magic; return a number, a string, a NumPy array or a "
               r"list/tuple/dict of those"),
    (_EvilSet({1}), r"_EvilSet \(a subclass of set\); return a plain set"),
    (_EvilList([1]), r"_EvilList \(a subclass of list\); return a plain list"),
    (np.array([[1, 2]]).view(np.matrix),
     r"numpy\.matrix \(a subclass of numpy\.ndarray\); convert it"),
    (np.ma.masked_array([1, 2], mask=[0, 1]), r"MaskedArray \(a subclass of numpy\.ndarray\)"),
    (np.array([1, "a"], dtype=object), r"NumPy array of dtype object; return an array of"),
    (np.zeros(2, dtype=[("a", "<i4")]), r"NumPy array of dtype \[\('a', '<i4'\)\]"),
    (np.array(["2024-01-01"], dtype="datetime64[D]"), r"dtype datetime64\[D\]"),
    (np.datetime64("2024-01-01"), r"returned a numpy\.datetime64"),
    (np.longlong(3), r"returned a numpy\.longlong"),
    (_pwn, r"returned a function; return the result of calling it"),
    (lambda x: x, r"returned a function; return the result of calling it"),
    (_generator(), r"returned a generator; collect its items with list"),
    (range(3), r"returned a range"),
    (bytearray(b"x"), r"returned a bytearray"),
    (np.random.RandomState(0), r"returned a numpy\.RandomState"),
    (np.random.Generator(np.random.PCG64(0)).bit_generator, r"returned a numpy\.PCG64"),
    ([1, [2, _Magic()]], r"returned a tests\._Magic at \[1\]\[1\]; return a number"),
    ({"w": {"b": _Magic()}}, r"_Magic at \['w'\]\['b'\]"),
    ({(1, _Magic()): 1}, r"returned a tests\._Magic at \{key\}\[1\]; dict keys and set "
                        r"items must be"),
    ({_Magic(): 1}, r"returned a tests\._Magic at \{key\}; dict keys"),
    ({frozenset({1}), (1, b"x"), (2, _Magic())}, r"_Magic at \{item\}\[1\]; dict keys"),
])
def test_unsupported_values_are_refused_with_a_clear_message(value, expected):
    with pytest.raises(CodecError, match=expected):
        encode(value)


def test_describe_type():
    assert describe_type(_EvilSet()) == "tests._EvilSet (a subclass of set)"
    assert describe_type(np.zeros(1, dtype=object)) == "NumPy array of dtype object"
    assert describe_type(1.0) == "float"
    assert describe_type(np.float64(1.0)) == "numpy.float64"


def test_cycles_depth_and_size_are_capped():
    loop = [1]
    loop.append(loop)
    with pytest.raises(CodecError, match="returned a list that contains itself"):
        encode(loop)
    nested = deep = []
    for _ in range(codec.MAX_DEPTH):
        deep.append([])
        deep = deep[0]
    with pytest.raises(CodecError, match="nested more than 32 levels deep"):
        encode(nested)
    encode(nested[0])  # exactly 32 levels is fine
    with pytest.raises(CodecError, match="larger than the limit of 1 MB"):
        encode(np.zeros(2**17 + 1), max_bytes=2**20)
    shared = [np.zeros(2**10)] * 2**8  # encoded by value: 256 copies of 8 KB
    with pytest.raises(CodecError, match="larger than the limit"):
        encode(shared, max_bytes=2**20)
    data = encode(np.zeros(2**17))
    assert decode(data).shape == (2**17,)
    with pytest.raises(CodecError, match="larger than the limit of 1 MB"):
        decode(data, max_bytes=2**20)


# --------------------------------------------------------------------------- hostile bytes

def _message(root, blobs=(), **header):
    text = json.dumps({"codec": 1, "blobs": [len(b) for b in blobs], "root": root, **header})
    return MAGIC + len(text).to_bytes(8, "little") + text.encode() + b"".join(blobs)


def _npy(header: str, data: bytes = b"") -> bytes:
    header = header + " " * (63 - (10 + len(header)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + data


@pytest.mark.parametrize("data", [
    b"", b"garbage", MAGIC, MAGIC + b"\xff" * 8, MAGIC + (5).to_bytes(8, "little") + b"{]",
    "a str, not bytes", bytearray(encode(1)), memoryview(encode(1)),
    pickle.dumps(_Evil()), pickle.dumps(_Evil(), protocol=0),
    _message(["int", 1], extra=1), _message(["int", True]), _message(["int", 1.0]),
    _message(["float", 1]), _message(["bool", 1]), _message(["str", None]), _message(["str"]),
    _message(["bigint", "123"]), _message(["bigint", "0x" + "f" * 10, 1]),
    _message(["complex", 1.0]), _message(["bytes", "not base64!"]), _message(["none", 1]),
    _message(["object", "os.system"]), _message(["list", "abc"]), _message(["list", [["x"]]]),
    _message(["dict", [[["list", []], ["int", 1]]]]), _message(["dict", [[["int", 1]]]]),
    _message(["dict", [[["int", 1], ["none"]], [["bool", True], ["none"]]]]),
    _message(["set", [["int", 1], ["float", 1.0]]]), _message(["set", [["set", []]]]),
    _message(["tuple", [["list", []]], "x"]), _message([]), _message({"tag": "int"}),
    _message(["np", "|O8", ""]), _message(["np", "<f8", "AAAA"]), _message(["np", "<M8", ""]),
    _message(["np", "|b1", "Ag=="]), _message(["np", "<V8", "AAAAAAAAAAA="]),
    _message(["nd", 0]), _message(["nd", -1], [b""]), _message(["nd", 0], [b"\x93NUMPY"]),
    _message(["nd", 0], [pickle.dumps(_Evil())]),
    _message(["nd", 0], [_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (10**12,), }",
                              b"\0" * 8)]),
    _message(["nd", 0], [_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }")]),
    _message(["nd", 0], [_npy("{'descr': '|b1', 'fortran_order': False, 'shape': (1,), }",
                              b"\x02")]),
    _message(["nd", 0], [_npy("{'descr': '<U1', 'fortran_order': False, 'shape': (1,), }",
                              b"\xff\xff\xff\xff")]),
    _message(["nd", 0], [_npy("{'descr': '<U0', 'fortran_order': False, 'shape': (9**9,), }")]),
    _message(["nd", 0], [_npy("{'descr': [('a', '<i4')], 'fortran_order': False, "
                              "'shape': (1,), }", b"\0" * 4)]),
    _message(["nd", 0], [_npy("{'descr': __import__('os').getcwd(), }")]),
    _message(["rng", "RandomState", ["dict", []]]),
    _message(["rng", "PCG64", ["dict", [[["str", "bit_generator"], ["str", "MT19937"]]]]]),
    _message(["rng", "PCG64", ["dict", [[["str", "bit_generator"], ["str", "PCG64"]]]]]),
    _message(["pd.series", ["pd.np", ["list", []]], ["pd.range", 0, 0, 1, ["none"]], ["none"]]),
    _message(["pd.frame", ["pd.range", 0, 1, 1, ["none"]], [],
              ["pd.range", 0, 10**15, 1, ["none"]]]),
    _message(["pd.series", ["pd.str", "python", "nan", [1]], ["pd.range", 0, 1, 1, ["none"]],
              ["none"]]),
    _message(["pd.series", ["pd.str", "pyarrow", "nan", ["a"]],
              ["pd.range", 0, 1, 1, ["none"]], ["none"]]),
    _message(["keras", {"module": "os", "class_name": "system", "config": {}}, ["dict", []],
              None]),
], ids=lambda d: repr(d)[:60])
def test_malformed_input_raises_codec_error_and_runs_nothing(data):
    with pytest.raises(CodecError):
        decode(data)
    assert not PWNED


def test_npy_with_object_dtype_is_refused_without_unpickling():
    buffer = io.BytesIO()
    np.save(buffer, np.array([_Evil()], dtype=object), allow_pickle=True)
    with pytest.raises(CodecError, match="dtype object is not allowed"):
        decode(_message(["nd", 0], [buffer.getvalue()]))
    assert not PWNED


def test_truncated_and_corrupted_messages_raise_codec_error():
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    data = encode([1, "two", np.arange(5), {"k": (np.float32(3), {4})}, frame,
                   np.random.default_rng(1)])
    for end in range(len(data)):
        with pytest.raises(CodecError):
            decode(data[:end])
    with pytest.raises(CodecError):
        decode(data + b"\0")
    rng = random.Random(0)
    for _ in range(400):
        corrupted = bytearray(data)
        for _ in range(rng.randint(1, 3)):
            corrupted[rng.randrange(len(data))] = rng.randrange(256)
        try:
            decode(bytes(corrupted))
        except CodecError:
            pass


# --------------------------------------------------------------------------- refresh

def test_refresh_array_in_place():
    target = np.zeros((2, 2))
    assert refresh(target, np.ones((2, 2)))
    assert target.sum() == 4
    assert not refresh(target, np.ones(3))
    assert not refresh(target, np.ones((2, 2), dtype=np.float32))
    assert not refresh(target, [1, 2])
    frozen = np.zeros(2)
    frozen.flags.writeable = False
    assert not refresh(frozen, np.ones(2))


def test_refresh_containers_keep_inner_objects():
    weights = np.zeros(3)
    params = {"W": weights, "lr": 0.1, "gone": 1}
    assert refresh(params, _round_trip({"lr": 0.05, "W": np.ones(3), "new": [1]}))
    assert params == {"lr": 0.05, "W": weights, "new": [1]} and list(params) == ["lr", "W", "new"]
    assert params["W"] is weights and weights.sum() == 3
    inner = [1]
    items = [inner, np.zeros(1), "s"]
    assert refresh(items, [[1, 2], np.ones(1), "t", 4])
    assert items[0] is inner and inner == [1, 2] and items[1:] == [items[1], "t", 4]
    assert items[1][0] == 1
    chosen = {1, 2}
    assert refresh(chosen, {3}) and chosen == {3}


def test_refresh_tuple_of_arrays_and_immutables():
    first = np.zeros(2)
    assert refresh((first, 1), (np.ones(2), 1)) and first.sum() == 2
    assert not refresh((first, 1), (np.ones(2), 2))
    assert not refresh((first,), (first, first))
    for value in (1, 1.5, "s", None, frozenset({1}), np.float64(1.0)):
        assert not refresh(value, value)


def test_refresh_generator():
    target = np.random.default_rng(0)
    moved = np.random.default_rng(0)
    moved.random(10)
    assert refresh(target, _round_trip(moved))
    assert target.random() == moved.random()
    assert not refresh(target, np.random.Generator(np.random.MT19937(0)))


# --------------------------------------------------------------------------- Keras

@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def _mlp(keras, units=(8, 8, 3)):
    return keras.Sequential([keras.Input((4,)), *[keras.layers.Dense(
        n, activation="relu" if i < len(units) - 1 else "softmax") for i, n in enumerate(units)]])


def _trained_mlp(keras, frozen=()):
    model = _mlp(keras)
    for i in frozen:
        model.layers[i].trainable = False
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], run_eagerly=True)  # no tracing: fast
    x = np.random.default_rng(0).random((16, 4)).astype("float32")
    model.fit(x, np.arange(16) % 3, epochs=1, batch_size=8, verbose=0)
    return model, x


def _weights_equal(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def _without_encoder_checks(monkeypatch):
    """What a hostile student can do: encode without the config check (decode must catch it)."""
    monkeypatch.setattr(codec, "_check_keras_config", lambda config: None)


def test_keras_compiled_model_round_trips_weights_compile_config_and_optimizer(keras):
    model, x = _trained_mlp(keras)
    copy = _round_trip(model)
    assert type(copy) is keras.Sequential and copy is not model
    assert _weights_equal(copy.get_weights(), model.get_weights())
    assert copy.compiled and copy.get_compile_config() == model.get_compile_config()
    assert type(copy.optimizer) is keras.optimizers.Adam
    assert _weights_equal([v.numpy() for v in copy.optimizer.variables],
                          [v.numpy() for v in model.optimizer.variables])
    assert int(copy.optimizer.iterations.numpy()) == 2
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(copy(x)),
                                  keras.ops.convert_to_numpy(model(x)))
    assert [layer.name for layer in copy.layers] == [layer.name for layer in model.layers]


def test_keras_layer_optimizer_loss_and_metric_round_trip(keras):
    layer = keras.layers.Dense(2, activation="tanh")
    layer.build((None, 3))
    layer.trainable = False
    copy = _round_trip(layer)
    assert type(copy) is keras.layers.Dense and not copy.trainable
    assert _weights_equal(copy.get_weights(), layer.get_weights())

    optimizer = keras.optimizers.SGD(0.1, momentum=0.9)
    optimizer.apply_gradients([(np.ones(3), keras.Variable(np.ones(3)))])
    copy = _round_trip(optimizer)
    assert type(copy) is keras.optimizers.SGD and copy.get_config() == optimizer.get_config()
    assert _weights_equal([v.numpy() for v in copy.variables],
                          [v.numpy() for v in optimizer.variables])
    assert type(_round_trip(keras.optimizers.RMSprop(0.01))) is keras.optimizers.RMSprop

    loss = _round_trip(keras.losses.CategoricalCrossentropy(from_logits=True))
    assert type(loss) is keras.losses.CategoricalCrossentropy and loss.from_logits

    metric = keras.metrics.Mean()
    metric.update_state([1.0, 3.0])
    copy = _round_trip([metric])[0]
    assert type(copy) is keras.metrics.Mean and float(copy.result()) == 2.0


def test_keras_tensor_is_refused(keras):
    with pytest.raises(CodecError, match="returned a keras.KerasTensor; a KerasTensor is a "
                                         "symbolic placeholder"):
        encode(keras.Input((3,)))
    with pytest.raises(CodecError, match="keras.ops.convert_to_numpy"):
        encode(keras.ops.ones(3))


def test_keras_lambda_layer_is_refused_on_decode(keras, monkeypatch):
    def double(t):
        return t * 2

    model = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(double)])
    message = "the model uses a Lambda layer, which cannot be rebuilt safely"
    with pytest.raises(CodecError, match=message):
        encode(model)
    _without_encoder_checks(monkeypatch)
    data = encode(model)
    monkeypatch.undo()
    with pytest.raises(CodecError, match=message + "; use Keras's built-in layers"):
        decode(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns when serializing a lambda
        lambda_model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(
            2, activation=lambda t: t)])
        with pytest.raises(CodecError, match="could not be rebuilt safely"):
            decode(encode(lambda_model))


def test_keras_custom_layer_class_is_refused_on_decode(keras, monkeypatch):
    @keras.saving.register_keras_serializable(package="student")
    class Doubler(keras.layers.Layer):
        def call(self, x):
            return x * 2

    model = keras.Sequential([keras.Input((2,)), Doubler()])
    message = ("the model uses a layer class Doubler that cannot be rebuilt safely; use "
               "Keras's built-in layers")
    with pytest.raises(CodecError, match=message):
        encode(model)
    _without_encoder_checks(monkeypatch)
    data = encode(model)
    monkeypatch.undo()
    with pytest.raises(CodecError, match=message):
        decode(data)


@pytest.mark.parametrize("activation", [
    {"module": "keras.utils", "class_name": "function", "config": "get_file",
     "registered_name": None},
    {"module": "os", "class_name": "function", "config": "system", "registered_name": None},
    {"module": "builtins", "class_name": "function", "config": "eval",
     "registered_name": "function"},
    {"module": "keras.layers", "class_name": "Dense", "config": {},
     "registered_name": "evil>Dense"},
    {"module": "keras.src.saving.saving_lib", "class_name": "DiskIOStore", "config": {}},
    {"class_name": "__lambda__", "config": {"value": "b64 bytecode"}},
    {"module": "keras.layers", "class_name": "TFSMLayer", "config": {"filepath": "/"}},
])
def test_keras_configs_naming_non_keras_code_are_refused(keras, activation):
    data = encode(keras.layers.Dense(2))
    length = int.from_bytes(data[8:16], "little")
    header = json.loads(data[16:16 + length])
    header["root"][1]["config"]["activation"] = activation
    with pytest.raises(CodecError, match="rebuilt safely"):
        decode(_message(header["root"], **{k: v for k, v in header.items() if k != "root"}))


def test_keras_refresh_model_copies_weights_trainable_and_compile_state(keras):
    target = _mlp(keras)
    fresh, x = _trained_mlp(keras, frozen=[0])
    fresh = _round_trip(fresh)
    assert refresh(target, fresh)
    assert _weights_equal(target.get_weights(), fresh.get_weights())
    assert not target.layers[0].trainable and target.layers[1].trainable
    assert target.compiled and target.get_compile_config() == fresh.get_compile_config()
    assert int(target.optimizer.iterations.numpy()) == 2
    target.fit(x, np.arange(16) % 3, epochs=1, verbose=0)  # still trainable after the refresh
    assert not refresh(target, _round_trip(_mlp(keras, units=(8, 3))))
    assert not refresh(target, np.zeros(3))
    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    other = keras.layers.Dense(2)
    other.build((None, 3))
    assert refresh(layer, _round_trip(other))
    assert _weights_equal(layer.get_weights(), other.get_weights())
    optimizer = keras.optimizers.SGD(0.1)
    optimizer.build([keras.Variable(np.ones(2))])
    moved = keras.optimizers.SGD(0.1)
    moved.apply_gradients([(np.ones(2), keras.Variable(np.ones(2)))])
    assert refresh(optimizer, _round_trip(moved)) and int(optimizer.iterations.numpy()) == 1
    models = {"m": target}
    assert refresh(models, {"m": fresh}) and models["m"] is target


def test_functional_model_with_keras_operations_round_trips():
    import keras

    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(3)(inputs)
    model = keras.Model(inputs, keras.activations.relu(inputs + hidden))  # ops, not layers
    rebuilt = codec.decode(codec.encode(model))
    x = np.random.default_rng(0).normal(size=(2, 3)).astype("float32")
    np.testing.assert_allclose(rebuilt(x), model(x), rtol=1e-6)


def test_keras_operation_names_outside_keras_ops_are_refused():
    with pytest.raises(codec.CodecError):
        codec._check_keras_class({"class_name": "import_module", "module": "keras.src.ops.numpy"})
    with pytest.raises(codec.CodecError):
        codec._check_keras_class({"class_name": "Popen", "module": "subprocess"})
