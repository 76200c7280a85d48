"""perfgate's Locust side: importing this package registers the plugin's listeners (options,
profile loading at init, the live gate, the verdict at quitting) on Locust's global events."""

from perfgate.locust.plugin import set_defaults

__all__ = ["set_defaults"]
