"""Every test here starts real processes (the demo API, Locust, a browser, Docker): all of them
carry the `integration` marker, so `pytest -m "not integration"` is the fast loop."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.fspath).parents:
            item.add_marker(pytest.mark.integration)
