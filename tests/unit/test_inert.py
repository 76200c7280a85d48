"""Names made inert: one printable line whatever they held, readable escapes, printable text as it is."""

from hypothesis import given
from hypothesis import strategies as st

from perfgate.core.inert import inert
from perfgate.core.redact import RedactedNames
from perfgate.report.text import NAME_CHARS, shown_name


@given(st.text())
def test_any_text_becomes_one_printable_line_that_encodes_and_stays_put(text):
    made = inert(text)
    assert "\n" not in made and "\r" not in made and "\x00" not in made
    assert not any(0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069 or 0xD800 <= ord(c) < 0xE000 for c in made)
    made.encode("utf-8")  # a lone surrogate would raise here
    assert inert(made) == made


def test_what_a_name_held_is_still_readable_and_printable_names_are_untouched():
    assert inert("x\r\n::error::y") == "x\\r\\n::error::y"
    assert inert("nul\x00\x1b[31m") == "nul\\x00\\x1b[31m"
    assert inert("\u202egnp.exe") == "\\u202egnp.exe"
    assert inert("lone\ud800") == "lone\\ud800"
    for name in ("GET /api/v1/projects", "POST /ünïcode/名前", "a|b `c` <d>"):
        assert inert(name) is name


def test_names_are_inert_and_redacted_at_the_source_and_cut_only_where_people_read_them():
    names = RedactedNames()
    assert names["/x?token=abc&q=\r\n::error::y"] == "/x?token=***&q=\\r\\n::error::y"
    long = "/long/" + "L" * 10_000
    assert names[long] == long  # result.json keeps it whole
    shown = shown_name(long)
    assert len(shown) == NAME_CHARS and shown.endswith("…") and shown_name("GET /x") == "GET /x"
