"""The same users as bare.py with perfgate loaded and a profile to judge."""

from bare import ApiReader, HealthzSaturator, PacedReader, SaturatingReader

import perfgate

__all__ = ["ApiReader", "HealthzSaturator", "PacedReader", "SaturatingReader", "perfgate"]
