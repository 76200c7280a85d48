"""Why a file is not UTF-8 text, in words a user can act on. The usual cause is an editor or a
shell that saved it as UTF-16: Windows PowerShell 5's `>` and `Out-File` do by default."""

from __future__ import annotations

import codecs

_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def not_utf8(error: UnicodeDecodeError) -> str:
    if bytes(error.object[:2]) in _UTF16:
        return "expected UTF-8 text, found UTF-16 (it starts with a UTF-16 byte-order mark): save it as UTF-8"
    byte = error.object[error.start]
    return f"expected UTF-8 text, found the byte 0x{byte:02x} at offset {error.start}: save it as UTF-8"
