"""perfgate's Locust side. Importing `perfgate.locust.plugin` registers the plugin's listeners on
Locust's global events (`import perfgate` in a locustfile does it); the other modules here import
Locust only when they need it, so that importing one does not monkey-patch the process."""
