"""What a locustfile's user classes declare: weight, fixed_count, tasks and the strings their code
holds.

The strings (a `name=`, a URL) tell which class would request an endpoint that got no request,
without running it: read from the source of the class, its own base classes and the TaskSets in
its tasks. Classes whose source cannot be read (built at run time) hold none. The tasks as
declared are read at init, before Locust's --tags/--exclude-tags filter rewrites each class's
`tasks` when the test starts: the difference is what the tags left out.
"""

from __future__ import annotations

import ast
import functools
import inspect
import sys
import textwrap
from collections.abc import Iterable
from typing import Any

from perfgate.core.participation import LeftOut, UserClass


def user_class(cls: type, peak: int, configured: Iterable[str] = ()) -> UserClass:
    """`configured`: the classes whose weight or fixed_count Locust's --config-users set."""
    weight, fixed_count = float(getattr(cls, "weight", 1)), int(getattr(cls, "fixed_count", 0))
    return UserClass(cls.__name__, weight, fixed_count, peak, literals(cls), cls.__name__ in configured)


def configured_classes(options: Any) -> set[str]:
    """The classes that Locust's --config-users (JSON: a list of objects, each naming its
    user_class_name) configures; given more than once, each one counts."""
    given = getattr(options, "config_users", None) or []
    return {config.get("user_class_name", "") for configs in given for config in configs if isinstance(config, dict)}


@functools.cache
def literals(cls: type) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for owner in _own_classes(cls):
        found |= dict.fromkeys(_strings(owner))
    return tuple(found)


def _strings(owner: Any) -> tuple[str, ...]:
    """The non-empty string constants in the source of a class or a function."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(owner)))  # a method's source is indented
    except (OSError, TypeError, SyntaxError):
        return ()
    found = (node.value for node in ast.walk(tree) if isinstance(node, ast.Constant))
    return tuple(dict.fromkeys(value for value in found if isinstance(value, str) and value))


def declared_tasks(classes: list[type]) -> dict[Any, tuple[Any, ...]]:
    """Each user class's and TaskSet's tasks as declared, before any tag filter."""
    declared: dict[Any, tuple[Any, ...]] = {}
    holders = list(classes)
    while holders:
        holder = holders.pop()
        if holder in declared:
            continue
        declared[holder] = tuple(dict.fromkeys(getattr(holder, "tasks", None) or []))  # weights repeat a task
        holders += [task for task in declared[holder] if hasattr(task, "tasks")]
    return declared


def left_out(declared: dict[Any, tuple[Any, ...]]) -> tuple[LeftOut, ...]:
    """The tasks (functions, not the TaskSets that lost them all) no longer in their holder's tasks."""
    found: dict[Any, LeftOut] = {}  # a task two classes share is left out of both: named once
    for holder, tasks in declared.items():
        kept = set(getattr(holder, "tasks", None) or [])
        for task in tasks:
            if task not in kept and not hasattr(task, "tasks") and task not in found:
                found[task] = LeftOut(getattr(task, "__qualname__", repr(task)), _strings(task))
    return tuple(found.values())


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


def foreign_classes(environment: Any, reported: Iterable[str]) -> tuple[str, ...]:
    """Class names a master's workers reported that this locustfile does not define: a worker of
    another run joined (two runs on one machine share Locust's default master port)."""
    own = set(environment.available_user_classes or {}) | {cls.__name__ for cls in environment.user_classes}
    return tuple(sorted(set(reported) - own))


def classes_left_out(environment: Any, options: Any) -> tuple[LeftOut, ...]:
    """The locustfile's user classes that are not in the run, each with what left it out."""
    running = set(environment.user_classes)
    named = getattr(options, "user_classes", None) or []
    absent = []
    for name, cls in (environment.available_user_classes or {}).items():
        if cls in running:
            continue
        if not getattr(cls, "fixed_count", 0) and not getattr(cls, "weight", 1):
            why = "its weight is 0, and Locust runs no class of weight 0"
        elif getattr(options, "class_picker", False):  # the picker writes the names it ran to user_classes
            why = "the web UI's class picker left it out"
        elif named and name not in named:
            why = f"the command line names the user classes to run ({' '.join(named)})"
        else:
            why = "the locustfile's classes were changed before the test started"
        absent.append(LeftOut(name, literals(cls), why))
    return tuple(absent)
