"""A trusted static reading of a submission, on the worker, before any of it runs.

It rejects code that reaches into the grader or the interpreter where no exercise needs to: the
import machinery, frames and tracebacks, ``builtins``, ``gc``, ``ctypes``, threads and processes,
PyTorch's dispatcher and function overrides, and assignments to attributes of imported modules
(monkeypatching). It is a second line: every check must hold without it, because the learner's
process is never trusted. It also tells which runtime the code needs (PyTorch or NumPy alone).

RestrictedPython was considered and not used: it rewrites code to run under guards and rejects
ordinary learner code (names starting with an underscore, for one); here the code runs unchanged
in the sandbox and the gate only refuses what no honest solution does.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

# Modules that reach into the interpreter, the grader's process, other processes or threads.
_FORBIDDEN_MODULES = {
    "_ctypes": "reaches into the interpreter's memory",
    "_thread": "starts threads",
    "asyncio": "runs code behind the grader's back",
    "atexit": "runs code after the grader's calls",
    "bdb": "traces the grader's frames",
    "builtins": "changes the interpreter's built-in functions",
    "cffi": "reaches into the interpreter's memory",
    "code": "compiles and runs code at run time",
    "codeop": "compiles code at run time",
    "concurrent": "starts threads or processes",
    "copyreg": "changes how objects are rebuilt",
    "ctypes": "reaches into the interpreter's memory",
    "dill": "runs code from bytes",
    "faulthandler": "installs process-wide handlers",
    "gc": "finds the grader's objects through the garbage collector",
    "imp": "changes the import machinery",
    "importlib": "changes the import machinery",
    "inspect": "reads the grader's frames and source",
    "marshal": "builds code from bytes",
    "mmap": "maps memory shared with the grader",
    "multiprocessing": "starts processes",
    "operator.attrgetter": "reads attributes by computed name",
    "operator.methodcaller": "calls methods by computed name",
    "os": "reaches the operating system (processes, signals, descriptors)",
    "pdb": "traces the grader's frames",
    "pickle": "runs code from bytes",
    "pkgutil": "changes the import machinery",
    "posix": "reaches the operating system",
    "pty": "starts processes",
    "resource": "changes the process's limits",
    "runpy": "runs modules behind the grader's back",
    "shelve": "runs code from bytes",
    "signal": "installs signal handlers",
    "site": "changes the import machinery",
    "socket": "opens connections",
    "subprocess": "starts processes",
    "sys.monitoring": "traces the grader's frames",
    "threading": "starts threads",
    "trace": "traces the grader's frames",
    "tracemalloc": "inspects the grader's memory",
    "weakref": "finds the grader's objects",
    "zipimport": "changes the import machinery",
    "_io": "opens descriptors by number",
    "io.FileIO": "opens descriptors by number",
    "io.open": "opens descriptors by number",
    "io.open_code": "opens descriptors by number",
    "numpy.ctypeslib": "reaches into the interpreter's memory",
    # The grader's own code, which shares the learner's process only to serve it.
    "grader": "is the grader's own code",
    "quizsite": "is the grader's own code",
    "tests": "is the grader's own code",
}
# Modules re-exported under their own name by other modules (shutil.os, typing.sys, dataclasses.inspect,
# logging.threading): such an attribute is refused on any object.
_MODULE_ATTRIBUTES = {
    "_thread", "builtins", "ctypes", "gc", "importlib", "inspect", "marshal", "multiprocessing", "os", "pickle",
    "posix", "resource", "socket", "subprocess", "sys", "threading", "weakref",
}  # fmt: skip
# PyTorch's internals: the dispatcher, function overrides and graph capture.
_FORBIDDEN_TORCH_PREFIXES = (
    "torch._",
    "torch.overrides",
    "torch.library",
    "torch.ops",
    "torch.utils._python_dispatch",
    "torch.fx",
    "torch.compiler",
    "torch.jit",
    "torch.package",
    "torch.multiprocessing",
    "torch.distributed",
)
# What an exercise may read of ``sys``: constants and the output streams, nothing that reaches frames,
# modules, hooks or the import machinery.
_SYS_ALLOWED = {
    "byteorder",
    "exit",
    "float_info",
    "float_repr_style",
    "getrecursionlimit",
    "hash_info",
    "int_info",
    "maxsize",
    "setrecursionlimit",
    "stderr",
    "stdout",
    "version_info",
}
_FORBIDDEN_CALLS = {
    "open": "opens files; no exercise here reads or writes any",
    "__import__": "imports modules behind the grader's back",
    "breakpoint": "starts a debugger",
    "compile": "compiles code at run time",
    "eval": "runs code built at run time",
    "exec": "runs code built at run time",
    "globals": "reads or changes module globals by name",
    "locals": "reads or changes variables by name",
    "vars": "reads or changes attributes by name",
}
_ATTRIBUTE_FUNCTIONS = {"getattr", "setattr", "delattr", "hasattr"}
# Introspection: the ways from any object to frames, code, globals and the grader's objects.
_FORBIDDEN_ATTRIBUTES = {
    "__annotations__", "__base__", "__bases__", "__builtins__", "__closure__", "__code__", "__defaults__",
    "__delattr__", "__dict__", "__file__", "__func__", "__getattribute__", "__getstate__", "__globals__",
    "__import__", "__init_subclass__", "__kwdefaults__", "__loader__", "__module__", "__mro__", "__objclass__",
    "__qualname__", "__reduce__", "__reduce_ex__", "__self__", "__set_name__", "__setattr__", "__setstate__",
    "__spec__", "__subclasses__", "__traceback__", "__weakref__", "__wrapped__",
    "ag_code", "ag_frame", "co_code", "co_consts", "cr_code", "cr_frame", "f_back", "f_builtins", "f_code",
    "f_globals", "f_locals", "f_trace", "gi_code", "gi_frame", "gi_yieldfrom", "tb_frame", "tb_next",
    "mro",
}  # fmt: skip
_FORBIDDEN_NAMES = {"__builtins__", "__import__", "__loader__", "__spec__", "__dict__"}


@dataclass(frozen=True)
class Finding:
    """One thing the gate refuses, with the line it is on."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class Reading:
    """What the gate found in a submission."""

    findings: list[Finding] = field(default_factory=list)
    modules: set[str] = field(default_factory=set)

    @property
    def uses_torch(self) -> bool:
        return any(module == "torch" or module.startswith("torch.") for module in self.modules)


def read(source: str, *, allowed_modules: frozenset[str] = frozenset()) -> Reading:
    """Read ``source``; ``allowed_modules`` lifts the ban on modules an exercise needs.

    Code that does not parse gives no findings: the sandbox reports the syntax error with its line.
    """
    reading = Reading()
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return reading
    _Visitor(reading, allowed_modules).visit(tree)
    reading.findings.sort(key=lambda finding: finding.line)
    return reading


class _Visitor(ast.NodeVisitor):
    def __init__(self, reading: Reading, allowed: frozenset[str]) -> None:
        self.reading = reading
        self.allowed = allowed
        # Names bound by an import (or to a plain attribute chain from one), with the dotted path they stand for.
        self.aliases: dict[str, str] = {}

    def refuse(self, node: ast.AST, message: str) -> None:
        self.reading.findings.append(Finding(getattr(node, "lineno", 0), message))

    def check_path(self, node: ast.AST, dotted: str) -> bool:
        """Refuse ``dotted`` (a module or an attribute of one) if it is forbidden; True if refused."""
        parts = dotted.split(".")
        prefixes = [".".join(parts[:depth]) for depth in range(len(parts), 0, -1)]
        if any(prefix in self.allowed for prefix in prefixes):
            return False
        for prefix in prefixes:
            if prefix in _FORBIDDEN_MODULES:
                self.refuse(node, f"`{dotted}` {_FORBIDDEN_MODULES[prefix]}; no exercise here needs it")
                return True
        if parts[0] == "sys" and len(parts) > 1 and parts[1] not in _SYS_ALLOWED:
            self.refuse(node, f"`{dotted}` reaches into the interpreter")
            return True
        if parts[0] == "torch" and any(dotted.startswith(prefix) for prefix in _FORBIDDEN_TORCH_PREFIXES):
            self.refuse(node, f"`{dotted}` reaches into PyTorch's internals; use its public functions")
            return True
        if any(part.startswith("_") and not _is_dunder(part) for part in parts[1:]):
            self.refuse(node, f"`{dotted}` uses a private part of an imported module")
            return True
        reexported = [part for part in parts[1:] if part in _MODULE_ATTRIBUTES]
        if reexported and parts[0] != "sys":
            self.refuse(node, f"`{dotted}` reaches `{reexported[0]}`, a module no exercise here needs")
            return True
        return False

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.reading.modules.add(alias.name)
            self.check_path(node, alias.name)
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                self.aliases[top] = top

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            self.refuse(node, "relative imports have nothing to import from here")
            return
        module = node.module or ""
        self.reading.modules.add(module)
        if self.check_path(node, module):
            return
        for alias in node.names:
            if alias.name == "*":
                self.refuse(node, f"`from {module} import *` hides what the code uses; import names explicitly")
                continue
            self.check_path(node, f"{module}.{alias.name}")
            self.aliases[alias.asname or alias.name] = f"{module}.{alias.name}"

    def visit_Attribute(self, node: ast.Attribute) -> None:
        root, _ = _chain(node)
        if node.attr in _FORBIDDEN_ATTRIBUTES:
            self.refuse(node, f"`.{node.attr}` reads the interpreter's internals")
        elif node.attr in _MODULE_ATTRIBUTES and root != "sys":
            self.refuse(node, f"`.{node.attr}` reaches a module no exercise here needs")
        elif node.attr.startswith("_") and not _is_dunder(node.attr) and root is None:
            # `self._x` is the learner's own; `things[0]._x` or `f()._x` could be anything's.
            self.refuse(node, f"`.{node.attr}`: private attributes only on names of your own (self._x)")
        elif isinstance(node.ctx, ast.Load):
            dotted = self.dotted(node)
            if dotted is not None:
                self.check_path(node, dotted)
                return  # the chain is checked whole; its inner attributes are prefixes of it
        self.generic_visit(node)

    def dotted(self, node: ast.expr) -> str | None:
        """The dotted path a plain attribute chain on an imported name stands for, else None."""
        root, chain = _chain(node)
        if root not in self.aliases:
            return None
        return ".".join([self.aliases[root], *chain])

    def visit_Constant(self, node: ast.Constant) -> None:
        # Format strings and attrgetter reach attributes by name: "{0.__globals__}".format(f).
        if isinstance(node.value, str) and any(name in node.value for name in _FORBIDDEN_ATTRIBUTES if "_" in name):
            self.refuse(node, "a string naming the interpreter's internals")

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in _FORBIDDEN_NAMES:
            self.refuse(node, f"`{node.id}` reaches into the interpreter's internals")

    def visit_Call(self, node: ast.Call) -> None:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name in _FORBIDDEN_CALLS:
            self.refuse(node, f"`{name}()` {_FORBIDDEN_CALLS[name]}")
        elif name in _ATTRIBUTE_FUNCTIONS:
            self.check_attribute_function(node, name)
        self.generic_visit(node)

    def check_attribute_function(self, node: ast.Call, name: str) -> None:
        attribute = node.args[1] if len(node.args) >= 2 else None
        if not (isinstance(attribute, ast.Constant) and isinstance(attribute.value, str)):
            self.refuse(node, f"`{name}()` with a computed attribute name; write the attribute out")
        elif attribute.value.startswith("_"):
            self.refuse(node, f"`{name}(..., {attribute.value!r})` reaches private or special attributes")
        elif name in ("setattr", "delattr") and node.args and self.dotted_or_name(node.args[0]):
            self.refuse(node, f"`{name}()` on something imported changes it for the grader too")
        elif name in ("getattr", "hasattr") and node.args and self.dotted_or_name(node.args[0]):
            self.check_path(node, f"{self.dotted_or_name(node.args[0])}.{attribute.value}")

    def dotted_or_name(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id)
        return self.dotted(node) if isinstance(node, ast.Attribute) else None

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self.check_target(target)
        source = self.dotted_or_name(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name):
                if source is not None:
                    # `F = torch.nn.functional`, then `F.dropout = ...`: the alias stands for the module.
                    self.aliases[target.id] = source
                else:
                    self.aliases.pop(target.id, None)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.check_target(node.target)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.check_target(node.target)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self.check_target(target)
        self.generic_visit(node)

    def check_target(self, target: ast.expr) -> None:
        if isinstance(target, (ast.Tuple, ast.List, ast.Starred)):
            for element in getattr(target, "elts", [getattr(target, "value", None)]):
                if element is not None:
                    self.check_target(element)
        elif isinstance(target, ast.Attribute) and self.dotted(target) is not None:
            self.refuse(target, f"changing `{ast.unparse(target)}` changes an imported module for the grader too")


def _chain(node: ast.expr) -> tuple[str | None, list[str]]:
    """``a.b.c`` as ``("a", ["b", "c"])``; the root is None when it is not a plain name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return (node.id if isinstance(node, ast.Name) else None), parts[::-1]


def _is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")
