"""Strict by-value transport of graded values from the student's kernel to the judge's.

Trust model
-----------
The autograder runs test cells in a trusted *judge* kernel and the student's code in a separate,
sandboxed kernel. A graded name in the judge is a proxy: calling it runs the student's function
in the student kernel, which ``encode``s the result; the judge ``decode``s the bytes. The
student kernel is hostile: it can replace ``encode``, craft any bytes, and return objects whose
``__eq__``, ``__array__`` or ``__sub__`` read the expected value from the caller's frame or
compare equal to anything. So **all the safety lives in ``decode``**: it trusts nothing about
the bytes and rebuilds every value itself, from plain data, as a fresh builtin, NumPy, pandas or
Keras object of a fixed list of types. It never unpickles, never imports a module or class named
in the data (Keras configs are checked against Keras's own built-in modules first and rebuilt in
Keras's safe mode), never runs code that came with the data, and answers every malformed input
with ``CodecError``. ``encode`` runs on the student's side; it only has to be correct for honest
values and to tell a student clearly what cannot be returned.

Types are matched **exactly** (``type(v) is list``, never ``isinstance``): a subclass of
``list``, ``set`` or ``np.ndarray`` can override any method, so it is refused rather than
silently converted, and each decoded value has exactly the type the student returned
(``np.int64`` stays ``np.int64``, a tuple stays a tuple), so a test can still check types.

Supported: ``None``, ``bool``, ``int``, ``float``, ``complex``, ``str``, ``bytes``; NumPy scalars
and ``np.ndarray`` (any shape, 0-d included) of bool, integer, float, complex, unicode or bytes
dtypes; ``list``, ``tuple``, ``dict`` (keys: scalars, tuples, frozensets), ``set``,
``frozenset``; pandas ``DataFrame`` and ``Series`` whose columns are numeric, bool, ``str``,
object-of-scalars or categorical, with a ``RangeIndex`` or a plain/categorical ``Index``;
``np.random.Generator`` on PCG64, PCG64DXSM, MT19937, Philox or SFC64; Keras models, layers,
optimizers, losses and metrics made of Keras's built-in classes (config, weights, optimizer
state and compile config). Not supported: anything else (functions, generators, object
arrays, KerasTensors, tensors, custom classes), with an error naming the type.

Wire format
-----------
``MAGIC`` (8 bytes) | header length (8 bytes, little-endian) | header | blobs.

The header is ASCII JSON: ``{"codec": 1, "blobs": [length, ...], "root": NODE}``; the blobs are
concatenated in that order right after it and must fill the rest exactly. Each blob is an
``.npy`` file (format 1.0 or 2.0, no pickle). A NODE is a JSON list ``[tag, *arguments]``:

- ``["none"]``, ``["bool", b]``, ``["int", i]``, ``["bigint", "0x.."]`` (beyond 64 bits),
  ``["float", f]``, ``["complex", re, im]``, ``["str", s]``, ``["bytes", base64]``;
- ``["np", descr, base64]``: a NumPy scalar, its dtype string and raw bytes;
- ``["nd", blob]``: an ndarray stored in blob number ``blob``;
- ``["list", [NODE..]]``, ``["tuple", [NODE..]]``, ``["dict", [[KEY, NODE]..]]``,
  ``["set", [NODE..]]``, ``["frozenset", [NODE..]]`` (set items sorted by their JSON, so
  encoding is deterministic);
- ``["rng", bit_generator_name, NODE]``: a Generator and its bit generator's state dict;
- ``["pd.series", VALUES, INDEX, NAME]``, ``["pd.frame", COLUMNS, [VALUES..], INDEX]``, where
  VALUES is ``["pd.np", NODE]``, ``["pd.str", storage, "nan"|"NA", [str|null..]]``,
  ``["pd.obj", [NODE..]]`` or ``["pd.cat", VALUES, NODE, ordered]`` (categories, codes), and
  INDEX is ``["pd.range", start, stop, step, NAME]`` or ``["pd.index", VALUES, NAME]``;
- ``["keras", config, STATE, built]``: the object's ``serialize_keras_object`` config, its
  variables as a ``dict`` node ``{saveable path: {variable key: array}}`` (Keras's own saving
  walk, as in a ``.keras`` archive, with NumPy arrays instead of an HDF5 file so the judge never
  parses HDF5 from the student), and, for a built standalone optimizer, the ``[shape, dtype]``
  of the variables it was built for (else ``null``).

Containers nest at most ``MAX_DEPTH`` levels; the whole message is at most ``max_bytes`` and the
header at most ``MAX_HEADER_BYTES`` (large data belongs in arrays). Keras and pandas are imported
only when such a value is met, so plain values never pay TensorFlow's import time.
"""

from __future__ import annotations

import base64
import io
import json
import math
import re
import struct
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

MAGIC = b"CCODEC\x00\x01"
FORMAT_VERSION = 1
DEFAULT_MAX_BYTES = 512 * 2**20
MAX_HEADER_BYTES = 64 * 2**20
MAX_DEPTH = 32
ACCEPTED = "return a number, a string, a NumPy array or a list/tuple/dict of those"

_LENGTH = struct.Struct("<Q")
_ARRAY_KINDS = "biufcSU"
_DESCR = re.compile(r"[<>|=][biufcSU][0-9]{1,6}")
_NUMPY_SCALARS = frozenset({
    np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
    np.float16, np.float32, np.float64, np.longdouble, np.complex64, np.complex128,
    np.clongdouble, np.str_, np.bytes_,
})
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
_CONTAINERS = {list: "list", tuple: "tuple", dict: "dict", set: "set", frozenset: "frozenset"}
_PANDAS_INDEXES = ("Index", "RangeIndex", "CategoricalIndex")

# Keras configs: classes must come from these modules of Keras itself; functions (activations,
# losses, metrics named in a config) from these. Keras resolves "builtins" functions only among
# its own activations, losses, metrics, ... (serialization_lib.BUILTIN_MODULES).
_KERAS_CLASS_MODULES = frozenset({
    "keras", "keras.layers", "keras.models", "keras.optimizers", "keras.optimizers.schedules",
    "keras.losses", "keras.metrics", "keras.initializers", "keras.regularizers",
    "keras.constraints", "keras.activations", "keras.random",
})
_KERAS_MODEL_MODULE_PREFIX = "keras.src.models."
# Operations a functional model records for ``x + y`` or ``keras.activations.relu(x)``:
# Keras's own ``Operation`` classes defined in these modules (checked when rebuilt).
_KERAS_OPERATION_MODULE_PREFIXES = ("keras.src.ops.", "keras.src.activations.")
_KERAS_FUNCTION_MODULES = frozenset({
    "builtins", "keras.activations", "keras.losses", "keras.metrics",
})
# Built-in, but they run code or read files named in the config: never rebuilt.
_KERAS_REFUSED_CLASSES = frozenset({
    "Lambda", "TFSMLayer", "TorchModuleWrapper", "JaxLayer", "FlaxLayer", "__lambda__",
    "__typespec__",
})
# Plain data that Keras's deserializer handles itself, without looking up a class.
_KERAS_DATA_CLASSES = frozenset({
    "__keras_tensor__", "__tensor__", "__numpy__", "__bytes__", "__ellipsis__", "__slice__",
})
_NPY_HEADER_LIMIT = 16384  # NumPy refuses .npy headers over 10000 bytes anyway
_METRIC_PATH = "<metric variables>"  # not a saveable path: those are attribute names
_KERAS_FLOAT_DTYPES = frozenset({"float16", "float32", "float64", "bfloat16"})


class CodecError(Exception):
    """A value cannot be sent or received; the message is written for a student."""


# --------------------------------------------------------------------------- descriptions

def describe_type(value: Any) -> str:
    """The type of ``value`` for an error message: ``_Magic``, ``numpy.matrix``,
    ``EvilSet (a subclass of set)``, ``NumPy array of dtype object``."""
    cls = type(value)
    try:
        module = str(cls.__module__).split(".")[0]
        name = str(cls.__qualname__)
    except Exception:  # a hostile metaclass; describing must not fail
        return "object"
    if cls is np.ndarray:
        return f"NumPy array of dtype {value.dtype}"
    full = name if module in ("builtins", "__main__") else f"{module}.{name}"
    base = next((b for b in (*_CONTAINERS, np.ndarray, str, int, float, bytes)
                 if isinstance(value, b)), None)
    if base is not None and cls is not base and cls not in _NUMPY_SCALARS:
        return f"{full} (a subclass of {_base_name(base)})"
    return full


def _base_name(base: type) -> str:
    return "numpy.ndarray" if base is np.ndarray else base.__name__


def _hint(value: Any) -> str:
    """What the student should return instead of ``value``."""
    cls = type(value)
    name = getattr(cls, "__name__", "")
    module = str(getattr(cls, "__module__", ""))
    if cls is np.ndarray:
        return "return an array of numbers, booleans or strings (not dtype object)"
    if isinstance(value, np.ndarray):
        return "convert it to a plain array with np.asarray(...)"
    for base in _CONTAINERS:
        if isinstance(value, base):
            return f"return a plain {base.__name__} ({base.__name__}(...))"
    if name == "KerasTensor":
        return ("a KerasTensor is a symbolic placeholder from keras.Input; return concrete "
                "values, e.g. the model's output on real data")
    if module.split(".")[0] in ("tensorflow", "keras", "torch", "jax", "jaxlib"):
        return "convert it to a NumPy array with keras.ops.convert_to_numpy(...)"
    if name == "generator":
        return f"collect its items with list(...); {ACCEPTED}"
    if callable(value):
        return f"return the result of calling it, not the function itself; {ACCEPTED}"
    return ACCEPTED


def _unsupported(value: Any, path: str, hint: str | None = None) -> CodecError:
    where = f" at {path}" if path else ""
    return CodecError(f"returned a {describe_type(value)}{where}; {hint or _hint(value)}")


# --------------------------------------------------------------------------- encoding

def encode(value: Any, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Serialize ``value`` (see the module docstring); ``CodecError`` names what is refused."""
    encoder = _Encoder(max_bytes)
    root = encoder.node(value, "", 0)
    header = _dump_json({"codec": FORMAT_VERSION, "blobs": [len(b) for b in encoder.blobs],
                         "root": root})
    if len(header) > min(max_bytes, MAX_HEADER_BYTES):
        raise CodecError(f"returned a value with too many separate items ({len(header)} bytes "
                         "of structure); return large data as a NumPy array")
    total = len(MAGIC) + _LENGTH.size + len(header) + sum(len(b) for b in encoder.blobs)
    if total > max_bytes:
        raise _too_big(max_bytes)
    return b"".join([MAGIC, _LENGTH.pack(len(header)), header, *encoder.blobs])


def _dump_json(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def _too_big(max_bytes: int) -> CodecError:
    return CodecError(f"returned a value larger than the limit of {max_bytes // 2**20} MB; "
                      "return something smaller")


class _Encoder:
    """Turns a value into a JSON node tree plus a list of binary blobs."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.blobs: list[bytes] = []
        self.size = 0
        self.open: set[int] = set()  # ids of the containers being encoded, to find cycles

    def charge(self, n: int) -> None:
        self.size += n
        if self.size > self.max_bytes:
            raise _too_big(self.max_bytes)

    def blob(self, data: bytes) -> int:
        self.charge(len(data))
        self.blobs.append(data)
        return len(self.blobs) - 1

    def node(self, value: Any, path: str, depth: int, hashable: bool = False) -> list:
        """The node for ``value`` found at ``path``; ``hashable`` for dict keys and set items."""
        self.charge(16)
        cls = type(value)
        if cls in _SCALAR_ENCODERS:
            node = _SCALAR_ENCODERS[cls](value)
            self.charge(len(str(node[-1])))
            return node
        if cls in _NUMPY_SCALARS:
            return _numpy_scalar_node(value)
        if hashable and cls not in (tuple, frozenset):
            raise _unsupported(value, path, "dict keys and set items must be numbers, strings, "
                                            "or tuples of those")
        if cls in _CONTAINERS:
            return self.container(value, path, depth, hashable)
        if cls is np.ndarray:
            return ["nd", self.blob(_npy_bytes(value, path))]
        if cls is np.random.Generator:
            return self.generator(value, path, depth)
        for kind, encoder in _OPTIONAL_ENCODERS:
            if _is_optional_kind(value, kind):
                return encoder(self, value, path, depth)
        raise _unsupported(value, path)

    def container(self, value: Any, path: str, depth: int, hashable: bool) -> list:
        if depth >= MAX_DEPTH:
            raise CodecError(f"returned a value nested more than {MAX_DEPTH} levels deep"
                             f"{f' (at {path})' if path else ''}; return a flatter structure")
        if id(value) in self.open:
            raise CodecError(f"returned a {type(value).__name__} that contains itself"
                             f"{f' (at {path})' if path else ''}; return plain data")
        self.open.add(id(value))
        try:
            return self.container_items(value, path, depth + 1, hashable)
        finally:
            self.open.discard(id(value))

    def container_items(self, value: Any, path: str, depth: int, hashable: bool) -> list:
        tag = _CONTAINERS[type(value)]
        if tag == "dict":
            return [tag, [[self.node(k, f"{path}{{key}}", depth, hashable=True),
                           self.node(v, f"{path}[{k!r}]", depth)] for k, v in value.items()]]
        if tag in ("set", "frozenset"):
            items = [self.node(v, f"{path}{{item}}", depth, hashable=True) for v in value]
            return [tag, sorted(items, key=_dump_json)]
        return [tag, [self.node(v, f"{path}[{i}]", depth, hashable)
                      for i, v in enumerate(value)]]

    def generator(self, value: np.random.Generator, path: str, depth: int) -> list:
        bit_generator = value.bit_generator
        name = type(bit_generator).__name__
        if name not in _BIT_GENERATORS or type(bit_generator) is not getattr(np.random, name):
            raise _unsupported(bit_generator, path, "use a Generator on one of NumPy's bit "
                                                    f"generators {', '.join(_BIT_GENERATORS)}")
        return ["rng", name, self.node(bit_generator.state, f"{path}.state", depth)]


def _int_node(value: int) -> list:
    if -(2**63) <= value < 2**64:
        return ["int", value]
    return ["bigint", hex(value)]


_SCALAR_ENCODERS: dict[type, Callable[[Any], list]] = {
    type(None): lambda v: ["none"],
    bool: lambda v: ["bool", v],
    int: _int_node,
    float: lambda v: ["float", v],
    complex: lambda v: ["complex", v.real, v.imag],
    str: lambda v: ["str", v],
    bytes: lambda v: ["bytes", base64.b64encode(v).decode("ascii")],
}


def _numpy_scalar_node(value: np.generic) -> list:
    array = np.asarray(value)
    return ["np", array.dtype.str, base64.b64encode(array.tobytes()).decode("ascii")]


def _check_array_dtype(dtype: np.dtype, what: str) -> None:
    if dtype.kind not in _ARRAY_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise CodecError(f"{what} of dtype {dtype}; return an array of numbers, booleans or "
                         "strings (not dtype object or a structured dtype)")


def _npy_bytes(array: np.ndarray, path: str) -> bytes:
    _check_array_dtype(array.dtype, f"returned a NumPy array{f' at {path}' if path else ''}")
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


# Values whose libraries are imported only if the student's kernel already uses them.

def _is_optional_kind(value: Any, kind: str) -> bool:
    if kind == "pandas":
        pandas = sys.modules.get("pandas")
        return pandas is not None and type(value) in (pandas.DataFrame, pandas.Series)
    keras = sys.modules.get("keras")
    return keras is not None and isinstance(value, _keras_bases(keras))


def _keras_bases(keras: Any) -> tuple[type, ...]:
    return (keras.layers.Layer, keras.optimizers.Optimizer, keras.losses.Loss,
            keras.metrics.Metric)


def _encode_pandas(encoder: _Encoder, value: Any, path: str, depth: int) -> list:
    import pandas as pd

    prefix = f"returned a pandas {type(value).__name__}{f' at {path}' if path else ''}: its"
    index = _pd_index_node(encoder, value.index, f"{prefix} index", depth)
    if type(value) is pd.Series:
        name = _pd_scalar_node(encoder, value.name, f"{prefix} name", depth)
        return ["pd.series", _pd_values_node(encoder, value, f"{prefix} data", depth), index,
                name]
    columns = _pd_index_node(encoder, value.columns, f"{prefix} column labels", depth)
    values = [_pd_values_node(encoder, value.iloc[:, i], f"{prefix} column "
                                                         f"{value.columns[i]!r}", depth)
              for i in range(value.shape[1])]
    return ["pd.frame", columns, values, index]


def _pd_index_node(encoder: _Encoder, index: Any, where: str, depth: int) -> list:
    kind = type(index).__name__
    if type(index).__module__.split(".")[0] != "pandas" or kind not in _PANDAS_INDEXES:
        raise CodecError(f"{where} is a {kind}; use a plain index (df.reset_index())")
    name = _pd_scalar_node(encoder, index.name, f"{where}'s name", depth)
    if kind == "RangeIndex":
        return ["pd.range", index.start, index.stop, index.step, name]
    return ["pd.index", _pd_values_node(encoder, index, where, depth), name]


def _pd_values_node(encoder: _Encoder, values: Any, where: str, depth: int) -> list:
    """The values of a Series or an Index, by dtype."""
    import pandas as pd

    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        categories = _pd_values_node(encoder, dtype.categories, where, depth)
        codes = np.asarray(values.cat.codes if isinstance(values, pd.Series) else values.codes)
        return ["pd.cat", categories, ["nd", encoder.blob(_npy_bytes(codes, ""))],
                bool(dtype.ordered)]
    if isinstance(dtype, pd.StringDtype) and dtype.storage in ("python", "pyarrow"):
        items = [None if item is dtype.na_value or pd.isna(item) else str(item)
                 for item in values.array]
        encoder.charge(sum(len(s) for s in items if s is not None))
        na = "NA" if dtype.na_value is pd.NA else "nan"
        return ["pd.str", dtype.storage, na, items]
    if isinstance(dtype, np.dtype) and dtype.kind in "biufc":
        return ["pd.np", ["nd", encoder.blob(_npy_bytes(values.to_numpy(copy=False), ""))]]
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        return ["pd.obj", [_pd_scalar_node(encoder, item, where, depth)
                           for item in values.to_numpy()]]
    raise CodecError(f"{where} has dtype {dtype}; use numbers, booleans, strings or "
                     "categories")


def _pd_scalar_node(encoder: _Encoder, value: Any, where: str, depth: int) -> list:
    """A label or an item of an object column: a scalar or a tuple of scalars."""
    try:
        return encoder.node(value, "", depth, hashable=True)
    except CodecError:
        raise CodecError(f"{where} includes a {describe_type(value)}; use numbers, booleans, "
                         "strings or tuples of those") from None


def _encode_keras(encoder: _Encoder, value: Any, path: str, depth: int) -> list:
    from keras.src.saving import saving_lib, serialization_lib

    where = f"returned a Keras {type(value).__name__}{f' at {path}' if path else ''}"
    try:
        with serialization_lib.ObjectSharingScope():
            config = json.loads(json.dumps(serialization_lib.serialize_keras_object(value)))
        store = _dict_store_type()({})
        saving_lib._save_state(value, weights_store=store, assets_store=None, inner_path="",
                               visited_saveables=set())
    except CodecError:
        raise
    except Exception as exc:
        reason = " ".join(str(exc).split())[:200]
        raise CodecError(f"{where} that Keras cannot serialize ({reason}); use Keras's "
                         "built-in layers") from exc
    _check_keras_config(config)
    if isinstance(value, sys.modules["keras"].metrics.Metric):  # Keras's walk skips these
        store.contents[_METRIC_PATH] = {str(i): v for i, v in enumerate(value.variables)}
    state = {path_: {key: _variable_array(v) for key, v in variables.items()}
             for path_, variables in store.contents.items()}
    encoder.charge(len(_dump_json(config)))
    return ["keras", config, encoder.node(state, f"{path}.variables", depth),
            _optimizer_build_spec(value)]


def _variable_array(variable: Any) -> np.ndarray:
    import keras

    return np.array(keras.ops.convert_to_numpy(variable))


def _optimizer_build_spec(value: Any) -> list | None:
    """For a standalone built optimizer: the shapes and dtypes it was built for."""
    import keras

    if not isinstance(value, keras.optimizers.Optimizer) or not value.built:
        return None
    return [[list(v.shape), str(v.dtype)] for v in value._trainable_variables]


_OPTIONAL_ENCODERS = (("pandas", _encode_pandas), ("keras", _encode_keras))


# --------------------------------------------------------------------------- decoding

def decode(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """Rebuild a value from ``encode``'s bytes; any malformed input raises ``CodecError``."""
    try:
        header, blobs = _split_message(data, max_bytes)
        return _Decoder(blobs, max_bytes).node(header["root"], 0)
    except CodecError:
        raise
    except Exception as exc:  # the data is hostile: no other exception may escape
        reason = " ".join(str(exc).split())[:200]
        raise _fail(f"{type(exc).__name__}: {reason}") from exc


def _fail(reason: str) -> CodecError:
    return CodecError(f"the returned value could not be decoded ({reason})")


def _check(condition: bool, reason: str) -> None:
    if not condition:
        raise _fail(reason)


def _split_message(data: bytes, max_bytes: int) -> tuple[dict, list[memoryview]]:
    """Check the framing and return the parsed header and the blobs."""
    _check(type(data) is bytes, "not bytes")
    _check(len(data) <= max_bytes, f"larger than the limit of {max_bytes // 2**20} MB")
    prefix = len(MAGIC) + _LENGTH.size
    _check(len(data) >= prefix and data.startswith(MAGIC), "not a codec message")
    (header_length,) = _LENGTH.unpack_from(data, len(MAGIC))
    _check(header_length <= min(MAX_HEADER_BYTES, len(data) - prefix), "bad header length")
    header = json.loads(data[prefix:prefix + header_length].decode("ascii"))
    _check(type(header) is dict and set(header) == {"codec", "blobs", "root"}, "bad header")
    _check(header["codec"] == FORMAT_VERSION and type(header["codec"]) is int,
           "unknown format version")
    lengths = header["blobs"]
    _check(type(lengths) is list and all(type(n) is int and n >= 0 for n in lengths),
           "bad blob table")
    _check(prefix + header_length + sum(lengths) == len(data), "blob lengths do not add up")
    view, offset, blobs = memoryview(data), prefix + header_length, []
    for n in lengths:
        blobs.append(view[offset:offset + n])
        offset += n
    return header, blobs


def _args(node: Any) -> tuple[str, list]:
    """A node's tag and arguments."""
    _check(type(node) is list and len(node) >= 1 and type(node[0]) is str, "malformed node")
    return node[0], node[1:]


def _typed(value: Any, *types: type) -> Any:
    _check(type(value) in types, f"expected {'/'.join(t.__name__ for t in types)}")
    return value


_HANDLERS = {"nd": "array", "rng": "generator", "pd.series": "series", "pd.frame": "frame",
             "keras": "keras"}


class _Decoder:
    """Rebuilds values from nodes; every check failure is a ``CodecError``."""

    def __init__(self, blobs: list[memoryview], max_bytes: int):
        self.blobs = blobs
        self.max_bytes = max_bytes

    def node(self, node: Any, depth: int, hashable: bool = False) -> Any:
        tag, args = _args(node)
        if tag in _SCALAR_DECODERS:
            arity, decoder = _SCALAR_DECODERS[tag]
            _check(len(args) == arity, f"malformed {tag!r} node")
            return decoder(*args)
        _check(not hashable or tag in ("tuple", "frozenset"), f"unhashable {tag!r} key or item")
        if tag in _CONTAINER_TAGS:
            _check(depth < MAX_DEPTH, f"nested more than {MAX_DEPTH} levels deep")
            return self.container(tag, args, depth + 1, hashable)
        _check(tag in _HANDLERS, f"unknown tag {tag[:40]!r}")
        return getattr(self, _HANDLERS[tag])(args, depth)

    def container(self, tag: str, args: list, depth: int, hashable: bool) -> Any:
        _check(len(args) == 1 and type(args[0]) is list, f"malformed {tag!r} node")
        items = args[0]
        if tag == "dict":
            return self.mapping(items, depth)
        inner_hashable = hashable or tag in ("set", "frozenset")
        values = [self.node(item, depth, inner_hashable) for item in items]
        if tag in ("set", "frozenset"):
            built = _CONTAINER_TAGS[tag](values)
            _check(len(built) == len(values), "duplicate set items")
            return built
        return _CONTAINER_TAGS[tag](values)

    def mapping(self, pairs: list, depth: int) -> dict:
        result: dict = {}
        for pair in pairs:
            _check(type(pair) is list and len(pair) == 2, "malformed dict item")
            key = self.node(pair[0], depth, hashable=True)
            _check(key not in result, "duplicate dict key")
            result[key] = self.node(pair[1], depth)
        return result

    def blob(self, index: Any) -> memoryview:
        _check(type(index) is int and 0 <= index < len(self.blobs), "bad blob reference")
        return self.blobs[index]

    def array(self, args: list, depth: int) -> np.ndarray:
        _check(len(args) == 1, "malformed array node")
        return _read_npy(self.blob(args[0]))

    def generator(self, args: list, depth: int) -> np.random.Generator:
        _check(len(args) == 2 and args[0] in _BIT_GENERATORS, "unknown bit generator")
        name = args[0]
        state = self.node(args[1], depth)
        _check(type(state) is dict and state.get("bit_generator") == name,
               "bad bit generator state")
        bit_generator = getattr(np.random, name)()
        bit_generator.state = state  # NumPy validates every field and raises on bad ones
        return np.random.Generator(bit_generator)

    def series(self, args: list, depth: int) -> Any:
        import pandas as pd

        _check(len(args) == 3, "malformed Series node")
        values = self.pd_values(args[0], depth)
        index = self.pd_index(args[1], depth)
        _check(len(values) == len(index), "Series values and index differ in length")
        return pd.Series(values, index=index, name=self.node(args[2], depth, hashable=True),
                         copy=False)

    def frame(self, args: list, depth: int) -> Any:
        import pandas as pd

        _check(len(args) == 3 and type(args[1]) is list, "malformed DataFrame node")
        columns = self.pd_index(args[0], depth)
        index = self.pd_index(args[2], depth)
        values = [self.pd_values(v, depth) for v in args[1]]
        _check(len(values) == len(columns), "DataFrame columns and labels differ in number")
        _check(all(len(v) == len(index) for v in values), "DataFrame column of wrong length")
        frame = pd.DataFrame(dict(enumerate(values)), index=index)
        frame.columns = columns
        return frame

    def pd_index(self, node: Any, depth: int) -> Any:
        import pandas as pd

        tag, args = _args(node)
        if tag == "pd.range":
            _check(len(args) == 4 and all(type(a) is int for a in args[:3]) and args[2] != 0,
                   "malformed RangeIndex")
            _check(abs(args[1] - args[0]) // abs(args[2]) <= self.max_bytes, "RangeIndex too long")
            name = self.node(args[3], depth, hashable=True)
            return pd.RangeIndex(args[0], args[1], args[2], name=name)
        _check(tag == "pd.index" and len(args) == 2, "malformed Index")
        values = self.pd_values(args[0], depth)
        return pd.Index(values, dtype=values.dtype, name=self.node(args[1], depth, hashable=True),
                        copy=False)

    def pd_values(self, node: Any, depth: int) -> Any:
        """A column's values: an ndarray, a pandas string array or a Categorical."""
        import pandas as pd

        tag, args = _args(node)
        if tag == "pd.np":
            _check(len(args) == 1, "malformed column")
            values = self.node(args[0], depth)
            _check(type(values) is np.ndarray and values.ndim == 1 and values.dtype.kind
                   in "biufc", "bad numeric column")
            return values
        if tag == "pd.str":
            return _pd_strings(args)
        if tag == "pd.obj":
            _check(len(args) == 1 and type(args[0]) is list, "malformed object column")
            values = np.empty(len(args[0]), dtype=object)
            for i, item in enumerate(args[0]):
                values[i] = self.node(item, depth, hashable=True)
            return values
        _check(tag == "pd.cat" and len(args) == 3 and type(args[2]) is bool, "bad column")
        categories = pd.Index(self.pd_values(args[0], depth))
        codes = self.node(args[1], depth)
        _check(type(codes) is np.ndarray and codes.ndim == 1 and codes.dtype.kind == "i",
               "bad category codes")
        return pd.Categorical.from_codes(codes, categories=categories, ordered=args[2])

    def keras(self, args: list, depth: int) -> Any:
        _check(len(args) == 3 and type(args[0]) is dict, "malformed Keras node")
        _check_keras_config(args[0])
        state = self.node(args[1], depth)
        _check(type(state) is dict and all(
            type(path) is str and type(variables) is dict
            and all(type(k) is str and type(v) is np.ndarray for k, v in variables.items())
            for path, variables in state.items()), "bad Keras variables")
        return _rebuild_keras(args[0], state, args[2], self.max_bytes)


def _decode_bigint(text: Any) -> int:
    _check(type(text) is str and re.fullmatch(r"-?0x[0-9a-f]+", text) is not None, "bad int")
    return int(text, 16)


def _decode_numpy_scalar(descr: Any, raw: Any) -> np.generic:
    _check(type(descr) is str and _DESCR.fullmatch(descr) is not None, "bad NumPy scalar dtype")
    dtype = np.dtype(descr)
    data = base64.b64decode(_typed(raw, str), validate=True)
    _check(dtype.itemsize > 0 and len(data) == dtype.itemsize, "bad NumPy scalar")
    _check_data(dtype, data)
    value = np.frombuffer(data, dtype=dtype)[0]
    _check(type(value) in _NUMPY_SCALARS, "bad NumPy scalar type")
    return value


_SCALAR_DECODERS: dict[str, tuple[int, Callable[..., Any]]] = {
    "none": (0, lambda: None),
    "bool": (1, lambda b: _typed(b, bool)),
    "int": (1, lambda i: _typed(i, int)),
    "bigint": (1, _decode_bigint),
    "float": (1, lambda f: _typed(f, float)),
    "complex": (2, lambda re_, im: complex(_typed(re_, float), _typed(im, float))),
    "str": (1, lambda s: _typed(s, str)),
    "bytes": (1, lambda s: base64.b64decode(_typed(s, str), validate=True)),
    "np": (2, _decode_numpy_scalar),
}
_CONTAINER_TAGS: dict[str, Callable[[list], Any]] = {
    "list": list, "tuple": tuple, "dict": dict, "set": set, "frozenset": frozenset,
}


def _check_data(dtype: np.dtype, data: Any) -> None:
    """Booleans must be the bytes 0 or 1 (others compare oddly); unicode must be code points."""
    if not len(data):
        return
    if dtype.kind == "b":
        _check(int(np.frombuffer(data, dtype=np.uint8).max()) <= 1, "bad boolean")
    if dtype.kind == "U":
        points = np.frombuffer(data, dtype=np.dtype("uint32").newbyteorder(dtype.byteorder))
        _check(int(points.max()) <= sys.maxunicode, "bad unicode string")


def _read_npy(blob: memoryview) -> np.ndarray:
    """An array from ``.npy`` bytes, with dtype and shape checked before any allocation."""
    stream = io.BytesIO(blob[:_NPY_HEADER_LIMIT])  # the header only: no copy of the data
    version = np.lib.format.read_magic(stream)
    _check(version in ((1, 0), (2, 0)), "unsupported .npy version")
    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                   else np.lib.format.read_array_header_2_0)
    shape, fortran_order, dtype = read_header(stream)  # allow_pickle is never involved
    _check_array_dtype_decoded(dtype)
    _check(dtype.itemsize > 0, "array of empty items")
    _check(all(type(n) is int and n >= 0 for n in shape), "bad array shape")
    count = math.prod(shape)
    offset = stream.tell()
    _check(len(blob) - offset == count * dtype.itemsize, "array data has the wrong length")
    data = blob[offset:]
    _check_data(dtype, data)
    if count == 0:
        return np.zeros(shape, dtype=dtype, order="F" if fortran_order else "C")
    flat = np.frombuffer(data, dtype=dtype, count=count)
    return np.array(flat.reshape(shape, order="F" if fortran_order else "C"), order="K")


def _check_array_dtype_decoded(dtype: np.dtype) -> None:
    try:
        _check_array_dtype(dtype, "array")
    except CodecError:
        raise _fail(f"array dtype {dtype} is not allowed") from None


def _pd_strings(args: list) -> Any:
    import pandas as pd

    _check(len(args) == 3 and args[0] in ("python", "pyarrow") and args[1] in ("nan", "NA")
           and type(args[2]) is list, "malformed string column")
    _check(all(item is None or type(item) is str for item in args[2]), "bad string column")
    dtype = pd.StringDtype(storage=args[0], na_value=np.nan if args[1] == "nan" else pd.NA)
    return pd.array(args[2], dtype=dtype)


# --------------------------------------------------------------------------- Keras

def _check_keras_config(config: Any, depth: int = 0) -> None:
    """Refuse any class or function that is not one of Keras's own built-ins."""
    _check(depth < 200, "Keras config nested too deeply")
    if isinstance(config, list):
        for item in config:
            _check_keras_config(item, depth + 1)
        return
    if not isinstance(config, dict):
        return
    if "class_name" in config:
        _check_keras_class(config)
    for value in config.values():
        _check_keras_config(value, depth + 1)


def _check_keras_class(config: dict) -> None:
    name = config["class_name"]
    _check(type(name) is str, "bad Keras class name")
    if name in _KERAS_DATA_CLASSES:
        return
    if name in _KERAS_REFUSED_CLASSES:
        what = "a Python lambda" if name == "__lambda__" else f"a {name} layer"
        raise CodecError(f"the model uses {what}, which cannot be rebuilt safely; use Keras's "
                         "built-in layers")
    module = config.get("module")
    registered = config.get("registered_name")
    if name == "function":
        allowed = module in _KERAS_FUNCTION_MODULES and registered in (None, "function")
        shown = config.get("config")
        shown = shown if type(shown) is str else "?"
        kind = "function"
    else:
        allowed = type(module) is str and registered in (None, name) and (
            module in _KERAS_CLASS_MODULES or module.startswith(_KERAS_MODEL_MODULE_PREFIX)
            or _is_keras_operation(module, name))
        shown, kind = name, "layer class"
    if not allowed:
        raise CodecError(f"the model uses a {kind} {str(shown)[:80]} that cannot be rebuilt "
                         "safely; use Keras's built-in layers")


def _is_keras_operation(module: str, name: str) -> bool:
    """Is ``module.name`` one of Keras's own operations (``keras.src.ops.numpy.Add``)?"""
    if not module.startswith(_KERAS_OPERATION_MODULE_PREFIXES):
        return False
    import importlib

    from keras.src.ops.operation import Operation

    try:
        found = getattr(importlib.import_module(module), name, None)
    except ImportError:
        return False
    return isinstance(found, type) and issubclass(found, Operation) \
        and found.__module__ == module


def _dict_store_type() -> type:
    """Keras's variable-store interface over a plain dict ``{path: {key: value}}``."""
    global _DICT_STORE
    if _DICT_STORE is None:
        from keras.src.saving import saving_lib

        class DictStore(saving_lib.NpzIOStore):  # the saving walk checks the store's class
            def __init__(self, contents: dict):
                self.contents, self.mode, self.archive = contents, "r", None

            def make(self, path: str, metadata: Any = None) -> dict:
                return self.contents.setdefault(path, {})

            def get(self, path: str) -> dict:
                return dict(self.contents.get(path, {}))

            def has_path(self, path: str) -> bool:
                return path in self.contents or any(
                    key.startswith(f"{path}/") for key in self.contents)

            def close(self) -> None:
                pass

        _DICT_STORE = DictStore
    return _DICT_STORE


_DICT_STORE: type | None = None


def _rebuild_keras(config: dict, state: dict, build_spec: Any, max_bytes: int) -> Any:
    """Deserialize a checked config in safe mode and load its variables."""
    import keras
    from keras.src.saving import saving_lib, serialization_lib

    try:
        with serialization_lib.SafeModeScope(True), serialization_lib.ObjectSharingScope():
            obj = serialization_lib.deserialize_keras_object(config, safe_mode=True)
    except Exception as exc:
        reason = " ".join(str(exc).split())[:200]
        raise CodecError(f"the Keras object could not be rebuilt safely ({reason}); use "
                         "Keras's built-in layers") from exc
    _check(isinstance(obj, _keras_bases(keras)), "not a Keras model, layer, optimizer, loss "
                                                 "or metric")
    if build_spec is not None:
        _build_optimizer(obj, build_spec, max_bytes)
    metric_state = state.pop(_METRIC_PATH, None)
    if metric_state is not None:
        _check(isinstance(obj, keras.metrics.Metric), "metric variables for a non-metric")
        keys = [str(i) for i in range(len(metric_state))]
        _check(set(metric_state) == set(keys) and _copy_variables(
            obj.variables, [metric_state[key] for key in keys]),
            "the metric's variables do not match its configuration")
    failed: set = set()
    with warnings.catch_warnings():
        # A model compiled but never trained saved an unbuilt optimizer; compiling the rebuilt
        # one built it, with fresh slots: the same state. Keras's load_model warns here too.
        warnings.filterwarnings("ignore", "Skipping variable loading for optimizer")
        saving_lib._load_state(obj, weights_store=_dict_store_type()(state), assets_store=None,
                               inner_path="", visited_saveables=set(), failed_saveables=failed,
                               error_msgs={})
    _check(not failed, "the Keras object's variables do not match its configuration")
    return obj


def _build_optimizer(optimizer: Any, spec: Any, max_bytes: int) -> None:
    import keras

    _check(isinstance(optimizer, keras.optimizers.Optimizer) and type(spec) is list,
           "bad optimizer build spec")
    shapes = []
    for item in spec:
        _check(type(item) is list and len(item) == 2 and type(item[0]) is list
               and all(type(n) is int and n >= 0 for n in item[0])
               and item[1] in _KERAS_FLOAT_DTYPES, "bad optimizer build spec")
        shapes.append((tuple(item[0]), item[1]))
    _check(sum(math.prod(shape) * 8 for shape, _ in shapes) <= max_bytes, "optimizer too big")
    optimizer.build([keras.Variable(np.zeros(shape), dtype=dtype) for shape, dtype in shapes])


# --------------------------------------------------------------------------- refresh

def refresh(target: Any, fresh: Any) -> bool:
    """Copy the state of ``fresh`` (a decoded value) into ``target`` in place.

    For an argument the student's function mutated: the judge sent a copy and decoded what
    became of it; this makes the judge's own object show the change. Nested mutable items are
    refreshed in place too where possible, so references into ``target`` still see the change.
    Returns True when ``target`` now holds ``fresh``'s state, False when it cannot (different
    types, shapes or structures, or an immutable value).
    """
    if type(target) is not type(fresh):
        return False
    for kinds, refresher in _REFRESHERS:
        if isinstance(target, kinds):
            return refresher(target, fresh)
    keras = sys.modules.get("keras")
    if keras is not None and isinstance(target, keras.layers.Layer):
        return _refresh_layer(target, fresh)
    if keras is not None and isinstance(target, keras.optimizers.Optimizer):
        return _copy_variables(target.variables, fresh.variables)
    return False


def _refresh_array(target: np.ndarray, fresh: np.ndarray) -> bool:
    if target.shape != fresh.shape or target.dtype != fresh.dtype or not target.flags.writeable:
        return False
    target[...] = fresh
    return True


def _refresh_item(target: Any, fresh: Any) -> Any:
    """The object to keep in a container slot: ``target`` refreshed in place, or ``fresh``."""
    return target if refresh(target, fresh) else fresh


def _refresh_list(target: list, fresh: list) -> bool:
    kept = [_refresh_item(t, f) for t, f in zip(target, fresh, strict=False)]
    target[:] = kept + fresh[len(kept):]
    return True


def _refresh_dict(target: dict, fresh: dict) -> bool:
    old = dict(target)
    target.clear()
    for key, value in fresh.items():
        target[key] = _refresh_item(old[key], value) if key in old else value
    return True


def _refresh_set(target: set, fresh: set) -> bool:
    target.clear()
    target.update(fresh)
    return True


def _refresh_tuple(target: tuple, fresh: tuple) -> bool:
    """A tuple cannot change, but mutable items in it can: True if all of them match now."""
    if len(target) != len(fresh):
        return False
    return all(refresh(t, f) or _same(t, f) for t, f in zip(target, fresh, strict=True))


def _same(a: Any, b: Any) -> bool:
    try:
        return type(a) is type(b) and bool(a == b or (a != a and b != b))
    except Exception:
        return False


def _refresh_generator(target: np.random.Generator, fresh: np.random.Generator) -> bool:
    if type(target.bit_generator) is not type(fresh.bit_generator):
        return False
    target.bit_generator.state = fresh.bit_generator.state
    return True


_REFRESHERS: tuple[tuple[type | tuple[type, ...], Callable[[Any, Any], bool]], ...] = (
    (np.ndarray, _refresh_array),
    (list, _refresh_list),
    (dict, _refresh_dict),
    (set, _refresh_set),
    (tuple, _refresh_tuple),
    (np.random.Generator, _refresh_generator),
)


def _layer_tree(layer: Any) -> list:
    """``layer`` and, for models, their layers, depth first (outer before inner)."""
    import keras

    nested = layer.layers if isinstance(layer, keras.Model) else []
    return [layer] + [sub for inner in nested for sub in _layer_tree(inner)]


def _refresh_layer(target: Any, fresh: Any) -> bool:
    """Same structure: copy trainable flags and weights, and the compile state of a model."""
    import keras

    target_tree, fresh_tree = _layer_tree(target), _layer_tree(fresh)
    if [type(layer) for layer in target_tree] != [type(layer) for layer in fresh_tree] or [
            tuple(w.shape) for w in target.weights] != [tuple(w.shape) for w in fresh.weights]:
        return False
    for t, f in zip(target_tree, fresh_tree, strict=True):
        t.trainable = f.trainable
    target.set_weights(fresh.get_weights())
    if isinstance(fresh, keras.Model) and fresh.compiled:
        target.compile_from_config(fresh.get_compile_config())
        _copy_variables(target.optimizer.variables, fresh.optimizer.variables)
    return True


def _copy_variables(targets: list, sources: list) -> bool:
    """Assign each source (variable or array) to its target if all shapes match."""
    if [tuple(v.shape) for v in targets] != [tuple(v.shape) for v in sources]:
        return False
    for target, source in zip(targets, sources, strict=True):
        target.assign(source)
    return True


def tensors_to_arrays(value):
    """``value`` (and the items of its lists, tuples and dicts) with TensorFlow/Keras tensors
    and variables replaced by NumPy arrays: a gradient or a ``tf.constant`` input is data, and
    the codec carries data as arrays. Called before ``encode`` on either side."""
    if type(value) in (list, tuple):
        return type(value)(tensors_to_arrays(item) for item in value)
    if type(value) is dict:
        return {key: tensors_to_arrays(item) for key, item in value.items()}
    module = type(value).__module__ or ""
    if module.startswith(("tensorflow", "keras")) and hasattr(value, "numpy") \
            and not hasattr(value, "layers") and hasattr(value, "shape"):
        return np.asarray(value.numpy())
    return value
