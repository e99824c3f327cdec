"""The grading guard: runs *inside* the student's kernel, sent there as source by the grader.

The grader executes this file in the kernel right after the locked setup cell, before any
student code, and calls ``install(...)``. The guard captures references to everything a
test relies on: the builtins, the modules the tests call (``numpy``, ``math``, ``utils``,
...), the classes and function code inside them, ``sys`` hooks, IPython's execution and
traceback machinery, and the names the instructor's locked cells define. Then:

- before every graded test cell, ``restore`` puts back whatever student code replaced and
  returns what it had to put back, so a test always runs against the originals;
- after every graded test cell, ``restore`` returns what was replaced *while the test ran*
  (by the student's function it called) and puts it back; the grader voids that test.

Both are one method, ``restore``, whose reply lists short labels (``"builtins.abs"``). The
guard keeps its own references to the builtins it uses, so patching them does not blind it;
removing or faking the guard itself is seen by the grader (no valid reply) and flagged by
the static scan.
"""

import builtins as _builtins
import sys as _sys
import types as _types

_FunctionType = _types.FunctionType
_ModuleType = _types.ModuleType
_CONSTANT_TYPES = (int, float, complex, str, bytes, bool, tuple, frozenset, type(None))
_id, _type, _isinstance, _getattr = id, type, isinstance, getattr
_setattr, _delattr, _hasattr, _callable = setattr, delattr, hasattr, callable
_vars, _list, _dict, _sorted, _len, _zip, _any = vars, list, dict, sorted, len, zip, any
_SHELL_METHODS = ("run_cell", "run_cell_async", "run_ast_nodes", "run_code", "transform_cell",
                  "transform_ast", "showtraceback", "_showtraceback", "showsyntaxerror",
                  "get_exception_only", "user_expressions", "ex", "ev", "excepthook")
_SHELL_VALUES = ("ast_transformers", "input_transformers_cleanup", "input_transformers_post",
                 "input_transformer_manager", "custom_exceptions", "CustomTB", "InteractiveTB",
                 "SyntaxTB", "displayhook", "display_pub", "events", "compile", "kernel")
_KERNEL_METHODS = ("do_execute", "execute_request", "send_response", "_publish_status")
_SESSION_METHODS = ("send", "serialize", "sign", "msg")
_SYS_HOOKS = ("stdout", "stderr", "modules")
# Set anew by IPython or ipykernel on every execution: not evidence of tampering.
_VOLATILE = frozenset({"input", "raw_input", "getpass", "get_ipython", "_", "__", "___"})


def _function_state(obj):
    """Identity of the code, defaults and globals of ``obj`` and of what it wraps."""
    if _isinstance(obj, _ModuleType):  # a lazy module would import itself on getattr
        return ()
    inner = [obj] + [_getattr(obj, name, None) for name in ("_implementation", "__wrapped__")]
    return tuple((f, f.__code__, f.__defaults__, f.__kwdefaults__)
                 for f in inner if _isinstance(f, _FunctionType))


def _protectable(value):
    return _callable(value) or _isinstance(value, _CONSTANT_TYPES + (_ModuleType,))


class _Guard:
    def __init__(self, prefixes, user_ns, shell):
        self._entries = []   # (label, mapping, key, value, function state)
        self._attributes = []  # (label, owner, name, value)
        self._lists = []     # (label, list object, contents)
        self._seen = set()
        self._user_ns = user_ns
        for name, module in _sorted(_dict(_sys.modules).items()):
            if module is not None and name.split(".")[0] in prefixes:
                self._add_mapping(name, _vars(module), module.__name__)
        self._add_mapping("builtins", _vars(_builtins), "builtins")
        for name in _SYS_HOOKS:
            self._add_attribute("sys." + name, _sys, name)
        if shell is not None:
            self._add_shell(shell)

    # -- capture ---------------------------------------------------------------------------
    def _add_mapping(self, label, mapping, module_name):
        if _id(mapping) in self._seen:
            return
        self._seen.add(_id(mapping))
        for key, value in _list(mapping.items()):
            if key in ("__builtins__", "__loader__", "__spec__", "__cached__", "__file__"):
                continue
            if label == "builtins" and key in _VOLATILE:
                continue
            if not _protectable(value):
                continue
            self._entries.append((label + "." + key, mapping, key, value, _function_state(value)))
            if (_isinstance(value, _type) and _getattr(value, "__module__", "") == module_name
                    and _id(value) not in self._seen):
                self._seen.add(_id(value))
                self._add_class(label + "." + key, value)

    def _add_class(self, label, cls):
        for key, value in _list(_vars(cls).items()):
            inner = _getattr(value, "__func__", value)  # staticmethod / classmethod
            if _isinstance(inner, _FunctionType):
                self._attributes.append((label + "." + key, cls, key, value))
                self._entries.append((label + "." + key + ".__code__", None, None, inner,
                                      _function_state(inner)))

    def _add_attribute(self, label, owner, name):
        if _hasattr(owner, name):
            self._attributes.append((label, owner, name, _getattr(owner, name)))

    def _add_list(self, label, values):
        self._lists.append((label, values, _list(values)))

    def _add_shell(self, shell):
        targets = (("shell", shell, _SHELL_METHODS),
                   ("kernel", _getattr(shell, "kernel", None), _KERNEL_METHODS),
                   ("session", _getattr(_getattr(shell, "kernel", None), "session", None),
                    _SESSION_METHODS))
        for label, owner, methods in targets:
            if owner is None:
                continue
            for cls in _type(owner).__mro__:
                if cls.__module__.split(".")[0] in ("IPython", "ipykernel", "jupyter_client"):
                    self._add_class(label + "." + cls.__name__, cls)
            for name in methods:
                if name in _getattr(owner, "__dict__", {}):
                    self._add_attribute(label + "." + name, owner, name)
                else:
                    self._attributes.append((label + "." + name, owner, name, _MISSING))
        for name in _SHELL_VALUES:
            self._add_attribute("shell." + name, shell, name)
            value = _getattr(shell, name, None)
            if _isinstance(value, _list):
                self._add_list("shell." + name, value)
        manager = _getattr(shell, "input_transformer_manager", None)
        for name in ("cleanup_transforms", "line_transforms", "token_transformers"):
            if _isinstance(_getattr(manager, name, None), _list):
                self._add_list("shell.input_transformer_manager." + name, _getattr(manager, name))

    def protect_names(self, names):
        """Protect the user namespace entries ``names`` (bound by the instructor's cells)."""
        for name in names:
            if name in self._user_ns:
                self._entries.append(("name " + name, self._user_ns, name,
                                      self._user_ns[name], ()))
        return "ok"

    # -- verify ----------------------------------------------------------------------------
    def _changes(self, repair):
        changed = []
        for label, mapping, key, value, state in self._entries:
            if mapping is not None and (key not in mapping or mapping[key] is not value):
                changed.append(label)
                if repair:
                    mapping[key] = value
            for function, code, defaults, kwdefaults in state:
                if (function.__code__ is not code or function.__defaults__ is not defaults
                        or function.__kwdefaults__ is not kwdefaults):
                    changed.append(label if mapping is None else label + " (code)")
                    if repair:
                        function.__code__, function.__defaults__ = code, defaults
                        function.__kwdefaults__ = kwdefaults
        for label, owner, name, value in self._attributes:
            own = _getattr(owner, "__dict__", {})
            if value is _MISSING:
                if name in own:
                    changed.append(label)
                    if repair:
                        _delattr(owner, name)
            elif own.get(name, _MISSING) is not value if _isinstance(owner, _type) \
                    else _getattr(owner, name, _MISSING) is not value:
                changed.append(label)
                if repair:
                    _setattr(owner, name, value)
        for label, values, contents in self._lists:
            if _len(values) != _len(contents) or _any(
                    a is not b for a, b in _zip(values, contents, strict=True)):
                changed.append(label)
                if repair:
                    values[:] = contents
        return changed

    def restore(self, nonce):
        """Put back everything replaced since the last call. Returns ``[nonce, id of the
        guard, id of its class, *labels of what was replaced]``: the grader checks the
        first three against what ``install`` returned, so a stand-in guard is noticed."""
        return [nonce, _id(self), _id(_Guard)] + self._changes(repair=True)

    def size(self):
        return _len(self._entries) + _len(self._attributes) + _len(self._lists)


class _Missing:
    __slots__ = ()


_MISSING = _Missing()


def install(prefixes, names):
    """Create the guard for the current kernel as ``builtins.__course_guard__``."""
    shell = _sys.modules["__main__"].__dict__.get("get_ipython", lambda: None)()
    user_ns = shell.user_ns if shell is not None else _sys.modules["__main__"].__dict__
    guard = _Guard(frozenset(prefixes), user_ns, shell)
    guard.protect_names(names)
    _builtins.__course_guard__ = guard
    guard._entries.append(("builtins.__course_guard__", _vars(_builtins), "__course_guard__",
                           guard, ()))
    return [_id(guard), _id(_Guard), guard.size()]
