"""perfgate: a CI/CD performance gate for Locust.

`import perfgate` in a locustfile registers the Locust plugin. Outside Locust (the `perfgate`
command, the demo API) nothing imports Locust: it monkey-patches the process with gevent, which
the CLI and the demo server must not inherit.
"""

import sys

__version__ = "0.1.0"

if "locust" in sys.modules:
    from perfgate.plugin import set_defaults

    __all__ = ["__version__", "set_defaults"]
