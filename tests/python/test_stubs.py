"""The type stubs of the native module (boka/_native.pyi) against the module itself: every
public name in both, and every function's parameters (names, order, keyword-only marker)
as pybind11 reports them. Also: the package's __all__ against what it defines."""

from __future__ import annotations

import ast
import inspect
import os
import types
import unittest
from typing import Any

import boka
from boka import _native

STUB_PATH = os.path.join(os.path.dirname(boka.__file__), "_native.pyi")
# Dunder methods a stub may declare; the rest of the dunders (object's, pybind11's) are noise.
DUNDERS = {"__init__", "__enter__", "__exit__"}


def stub_parameters(fn: ast.FunctionDef) -> list[str]:
    a = fn.args
    names = [p.arg for p in a.posonlyargs + a.args]
    if a.vararg:
        names.append("*" + a.vararg.arg)
    elif a.kwonlyargs:
        names.append("*")
    names += [p.arg for p in a.kwonlyargs]
    return [n for n in names if n not in ("self", "cls")]


def runtime_parameters(fn: Any) -> list[str]:
    """Parameter names from pybind11's signature line: "f(self: T, a: int, *, b: int = 1) -> R"."""
    line = (fn.__doc__ or "").splitlines()[0]
    inside = line[line.index("(") + 1: line.rindex(") ->")]
    names, depth, current = [], 0, ""
    for ch in inside + ",":
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            if current.strip():
                names.append(current.split(":")[0].split("=")[0].strip())
            current = ""
        else:
            current += ch
    return [n for n in names if n != "self"]


def stub_tree() -> dict[str, Any]:
    """{name: FunctionDef} for functions, {name: {member: node}} for classes."""
    with open(STUB_PATH, encoding="utf-8") as f:
        module = ast.parse(f.read(), STUB_PATH)
    out: dict[str, Any] = {}
    for node in module.body:
        if isinstance(node, ast.FunctionDef):
            out[node.name] = node
        elif isinstance(node, ast.ClassDef):
            out[node.name] = {m.name: m for m in node.body if isinstance(m, ast.FunctionDef)}
    return out


def public(names: Any) -> set[str]:
    return {n for n in names if not n.startswith("_") or n in DUNDERS}


class StubTest(unittest.TestCase):
    def setUp(self) -> None:
        self.stubs = stub_tree()

    def test_module_names_match(self) -> None:
        runtime = {n for n in public(vars(_native)) if not isinstance(getattr(_native, n), types.ModuleType)}
        self.assertEqual(runtime, set(self.stubs))

    def test_class_members_match(self) -> None:
        for name, members in self.stubs.items():
            if not isinstance(members, dict):
                continue
            with self.subTest(cls=name):
                cls = getattr(_native, name)
                runtime = public(vars(cls))
                if "No constructor" in (cls.__init__.__doc__ or "") or \
                        (cls.__init__.__doc__ or "").startswith("Initialize self."):
                    runtime.discard("__init__")  # pybind11's placeholder: not constructible
                self.assertEqual(runtime, set(members))

    def test_parameters_match(self) -> None:
        checked = 0
        for name, stub in self.stubs.items():
            if isinstance(stub, dict):
                cls = getattr(_native, name)
                for member, node in stub.items():
                    value = inspect.getattr_static(cls, member)
                    if isinstance(value, property):
                        continue
                    if isinstance(value, staticmethod):
                        value = value.__func__
                    with self.subTest(method=f"{name}.{member}"):
                        self.assertEqual(runtime_parameters(value), stub_parameters(node))
                        checked += 1
            else:
                with self.subTest(function=name):
                    self.assertEqual(runtime_parameters(getattr(_native, name)),
                                     stub_parameters(stub))
                    checked += 1
        self.assertGreater(checked, 40)

    def test_package_all_is_complete(self) -> None:
        defined = {n for n, v in vars(boka).items()
                   if not n.startswith("_") and not isinstance(v, types.ModuleType)}
        self.assertEqual(set(boka.__all__), defined)
        self.assertTrue(os.path.exists(os.path.join(os.path.dirname(boka.__file__), "py.typed")))

    def test_the_stubs_name_the_public_classes(self) -> None:
        # Engine, ManualClock and Principal come from the native module; the rest is Python.
        for name in boka.__all__:
            obj = getattr(boka, name)
            if isinstance(obj, type) and obj.__module__ == "boka" and name in self.stubs:
                self.assertIs(getattr(_native, name), obj)


if __name__ == "__main__":
    unittest.main()
