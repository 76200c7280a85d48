"""The same users as bare.py with perfgate loaded and a profile to judge."""

from bare import ApiReader, PacedReader, SaturatingReader

import perfgate

__all__ = ["ApiReader", "PacedReader", "SaturatingReader", "perfgate"]
