"""The same users as bare.py with perfgate loaded and a profile to judge."""

from bare import ApiReader

import perfgate

__all__ = ["ApiReader", "perfgate"]
