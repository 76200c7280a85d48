"""recorded.py with perfgate loaded (its finer buckets installed on master and workers)."""

from recorded import ApiReader, SaturatingReader

import perfgate

__all__ = ["ApiReader", "SaturatingReader", "perfgate"]
