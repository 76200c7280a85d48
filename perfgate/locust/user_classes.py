"""What a locustfile's user classes declare: weight, fixed_count and the strings their code holds.

The strings (a `name=`, a URL) tell which class would request an endpoint that got no request,
without running it: read from the source of the class, its own base classes and the TaskSets in
its tasks. Classes whose source cannot be read (built at run time) hold none.
"""

from __future__ import annotations

import ast
import functools
import inspect
import sys
from typing import Any

from perfgate.core.participation import UserClass


def user_class(cls: type, peak: int) -> UserClass:
    return UserClass(
        cls.__name__, float(getattr(cls, "weight", 1)), int(getattr(cls, "fixed_count", 0)), peak, literals(cls)
    )


@functools.cache
def literals(cls: type) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for owner in _own_classes(cls):
        try:
            tree = ast.parse(inspect.getsource(owner).strip() + "\n")
        except (OSError, TypeError, SyntaxError):
            tree = None
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value:
                found[node.value] = None
    return tuple(found)


def _is_class_source(owner: type) -> bool:
    """A class of the locustfile's, not one of Locust's or Python's own (HttpUser's bases include
    typing.Generic, whose source is the whole typing module)."""
    package = owner.__module__.partition(".")[0]
    return package != "locust" and package not in sys.stdlib_module_names


def _own_classes(cls: type, seen: set[type] | None = None) -> list[type]:
    """`cls`, the bases it inherits from the locustfile (not Locust's), and its TaskSets'."""
    seen = seen if seen is not None else set()
    owners = []
    for owner in cls.__mro__:
        if owner in seen or not _is_class_source(owner):
            continue
        seen.add(owner)
        owners.append(owner)
        for task in getattr(owner, "tasks", None) or []:
            if isinstance(task, type):
                owners += _own_classes(task, seen)
    return owners


def class_counts(runner: Any) -> dict[str, int]:
    """Users running now per class: the local runner counts its greenlets, a master adds up what
    its workers reported."""
    counts = getattr(runner, "reported_user_classes_count", None)
    if counts is None:
        counts = runner.user_classes_count
    return dict(counts)
