"""CEL expressions of admission policies, compiled once (cel-python, `celpy`) and evaluated against the
variables Kubernetes gives them: object, oldObject, request, params, namespaceObject, variables."""
from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

import celpy
from celpy import celtypes

from controlplane.apiserver.vap import celext

# celpy logs every evaluation error at WARNING: the plugin reports them itself.
logging.getLogger("celpy").setLevel(logging.CRITICAL)

_ENV = celpy.Environment()
# Identifiers Kubernetes declares that skiff does not provide: refused when a policy is written.
_UNSUPPORTED = re.compile(r"(?<![\w.'\"])authorizer\b")


class EvalError(Exception):
    """An expression that could not be evaluated; its text is Kubernetes' (`expression '...' resulted in error: ...`)."""


@functools.lru_cache(maxsize=2048)
def _program(expression: str) -> Any:
    return _ENV.program(_ENV.compile(celext.rewrite(expression)), functions=celext.FUNCTIONS)


def compile_error(expression: str) -> str:
    """Why the expression cannot be compiled, as Kubernetes says it ("" when it can)."""
    if _UNSUPPORTED.search(expression):
        return "compilation failed: the authorizer variable is not supported by skiff"
    try:
        _program(expression)
    except celpy.CELParseError as e:
        where = f"<input>:{e.line}:{e.column}" if getattr(e, "line", None) else "<input>"
        detail = str(e.args[0] if e.args else e).splitlines()
        return f"compilation failed: ERROR: {where}: Syntax error: " + " | ".join(d for d in detail if d.strip())
    except Exception as e:  # noqa: BLE001 - celpy raises plain errors for some malformed input
        return f"compilation failed: ERROR: <input>: {e}"
    return ""


class Variables(celtypes.MapType):
    """`variables`: each of a policy's spec.variables evaluated when first read (as Kubernetes, lazily)."""

    def __init__(self, compute: Callable[[str], Any], names: tuple[str, ...]):
        super().__init__({})
        self._compute, self._names, self._done = compute, names, {}

    def __getitem__(self, name):
        name = str(name)
        if name not in self._names:
            raise KeyError(name)
        if name not in self._done:
            self._done[name] = self._compute(name)
        return self._done[name]

    def get(self, name, default=None):
        return self[name] if str(name) in self._names else default

    def __contains__(self, name) -> bool:
        return str(name) in self._names


def activation(values: Mapping[str, Any], variables: Mapping[str, str]) -> dict[str, Any]:
    """The CEL activation: JSON values converted, and `variables` (name -> expression) read lazily."""
    act = {name: celpy.json_to_cel(value) for name, value in values.items()}

    def compute(name: str):
        return _evaluate_raw(variables[name], act)
    act["variables"] = Variables(compute, tuple(variables))
    return act


def _message(error: Exception) -> str:
    """cel-python's error in cel-go's words where they differ, so the messages read as Kubernetes'."""
    args = getattr(error, "args", ())
    text = str(args[0]) if args else str(error)
    missing = re.fullmatch(r"no such member in mapping: '(.*)'", text)
    if missing:
        return f"no such key: {missing.group(1)}"
    if text.startswith("undeclared reference to '"):
        return text.split(" (in activation", 1)[0]
    return text


def _evaluate_raw(expression: str, act: Mapping[str, Any]) -> Any:
    try:
        result = _program(expression).evaluate(act)
    except EvalError:
        raise
    except Exception as e:  # noqa: BLE001 - celpy's CELEvalError and the Python errors under it
        raise EvalError(f"expression '{expression}' resulted in error: {_message(e)}") from None
    if isinstance(result, Exception):
        raise EvalError(f"expression '{expression}' resulted in error: {_message(result)}")
    return result


def evaluate(expression: str, act: Mapping[str, Any]) -> Any:
    """The expression's value as plain Python (bool, str, int, None, ...); EvalError when it fails."""
    result = _evaluate_raw(expression, act)
    if isinstance(result, celtypes.BoolType):
        return bool(result)
    if isinstance(result, celtypes.StringType):
        return str(result)
    return result
