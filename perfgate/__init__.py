"""perfgate: a CI/CD performance gate for Locust.

`import perfgate` in a locustfile registers the Locust plugin (perfgate.locust.plugin): Locust has
been imported by then, since it imports the locustfile. Outside a Locust process (the `perfgate`
command, the demo API) nothing imports Locust, which monkey-patches the process with gevent; a
script that imports perfgate before Locust registers the plugin with `import perfgate.locust.plugin`.
"""

from __future__ import annotations

import sys
from typing import Any

from perfgate.version import __version__

__all__ = ["__version__", "set_defaults"]

if "locust" in sys.modules:
    import perfgate.locust.plugin  # noqa: F401  (registers the plugin's listeners)


def __getattr__(name: str) -> Any:
    """perfgate.set_defaults in any import order: setting option defaults needs no Locust."""
    if name == "set_defaults":
        from perfgate.locust.options import set_defaults

        return set_defaults
    raise AttributeError(f"module 'perfgate' has no attribute {name!r}")
