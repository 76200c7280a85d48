"""perfgate's Locust side. Importing `perfgate.locust.plugin` registers the plugin's listeners on
Locust's global events (`import perfgate` in a locustfile does it); the other modules here import
Locust only when they need it, so that importing one does not monkey-patch the process."""

# A worker whose master died quits after this long without the master's heartbeat (Locust's own
# wait is 60 s); here, outside the modules that import Locust, so that tests can read it.
MASTER_LOST_AFTER_S = 15
