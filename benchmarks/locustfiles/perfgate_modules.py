"""bare.py's users in a process that has loaded every perfgate module a gated run loads, but not
its plugin: no listener registered, no Locust function replaced."""

import importlib
import sys
import types

from bare import HealthzSaturator

# `import perfgate` imports the plugin when Locust is loaded: a module in its place keeps it out
sys.modules["perfgate.locust.plugin"] = types.ModuleType("perfgate.locust.plugin")
for module in ("gate", "histograms", "options", "patches"):  # what the plugin imports
    importlib.import_module(f"perfgate.locust.{module}")

__all__ = ["HealthzSaturator"]
