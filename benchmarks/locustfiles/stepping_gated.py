"""stepping.py with perfgate loaded (a profile to judge is given on the command line)."""

from stepping import EverySecond, PacedHealthz

import perfgate

__all__ = ["EverySecond", "PacedHealthz", "perfgate"]
