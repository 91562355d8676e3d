"""Charset labels and RFC 2047 words, as mail clients read them.

The label table follows the WHATWG Encoding Standard's "Names and labels"
(https://encoding.spec.whatwg.org/encodings.json, as mirrored in the web-platform-tests'
encoding/resources/encodings.js); the byte samples are the characters that tell a superset from the
label's literal charset.  Encoded words follow RFC 2047 (§4 B and Q encodings, §6.2 white space).
"""
from __future__ import annotations

import pytest

from oncall_desktop.core.tickets.charsets import codec_for, decode, decode_words, guess


@pytest.mark.parametrize(("label", "codec"), [
    ("gb2312", "gb18030"), ("GB_2312-80", "gb18030"), ("x-gbk", "gb18030"), ("chinese", "gb18030"),
    ("iso-8859-1", "cp1252"), ("latin1", "cp1252"), ("US-ASCII", "cp1252"), ("ansi_x3.4-1968", "cp1252"),
    ("ks_c_5601-1987", "cp949"), ("euc-kr", "cp949"), ("windows-949", "cp949"),
    ("shift_jis", "cp932"), ("x-sjis", "cp932"), ("windows-31j", "cp932"),
    ("big5", "big5hkscs"), ("iso-8859-9", "cp1254"), ("tis-620", "cp874"), ("iso-8859-11", "cp874"),
    ("utf8", "utf-8"), ("unicode-1-1-utf-8", "utf-8"), ("koi8", "koi8_r"), ("iso-8859-8-i", "iso8859_8"),
    ("x-mac-roman", "mac_roman"), ("utf-16", "utf-16-le"), ("cp936", "gb18030"),
    (' "ISO-8859-15" ', "iso8859_15"), ("utf-8*en", "utf-8"),          # quoted, RFC 2231 language suffix
])
def test_labels_are_read_as_the_whatwg_table_says(label, codec):
    assert codec_for(label) == codec


def test_labels_nobody_knows_and_codecs_that_are_not_text():
    assert codec_for("x-unknown") is None and codec_for("") is None and codec_for(None) is None
    assert codec_for("base64") is None and codec_for("rot13") is None and codec_for("zlib") is None
    assert codec_for("cp850") == "cp850"                                 # a label Python knows: used as is


def test_superset_characters_decode():
    assert decode(b"\x93quoted\x94 \x80 5", "iso-8859-1") == "\u201cquoted\u201d \u20ac 5"
    assert decode("镕".encode("gbk"), "gb2312") == "镕"
    assert decode("똠".encode("cp949"), "ks_c_5601-1987") == "똠"
    assert decode("①".encode("cp932"), "shift_jis") == "①"


def test_byte_order_mark_wins_over_the_label():
    assert decode("\ufeffÄrger".encode("utf-8"), "iso-8859-1") == "Ärger"
    assert decode(b"\xff\xfeh\x00i\x00", "us-ascii") == "hi"


def test_unknown_label_falls_back_to_utf8_then_windows_1252_and_never_raises():
    assert decode("Zürich".encode(), "x-unknown") == "Zürich"
    assert decode(b"Z\xfcrich", "x-unknown") == "Zürich"
    assert decode(b"\xfd\xfe\xff", "utf-8") == "\ufffd\ufffd\ufffd"
    assert guess(b"\x81") == "\ufffd"                                   # undefined in windows-1252


def test_encoded_words():
    assert decode_words("=?iso-8859-1?q?p=F6stal?=") == "pöstal"
    assert decode_words("=?UTF-8?B?8J+UpSBGaXJl?=") == "🔥 Fire"
    # §6.2: white space between adjacent encoded words is not shown; between a word and text it is
    assert decode_words("=?utf-8?q?a?= =?utf-8?q?b?= c") == "ab c"
    # a character split across two words in one charset is joined before decoding
    assert decode_words("=?utf-8?q?=E2=80?=\r\n =?utf-8?q?=93?=") == "–"
    # words in different charsets next to each other
    assert decode_words("=?iso-8859-1?q?=E9?= =?koi8-r?b?8tXT?=") == "éРус"
    # no padding, stray characters, an unknown charset, a broken word: text, not an exception
    assert decode_words("=?utf-8?b?SGk?=") == "Hi"
    assert decode_words("=?x-unknown?q?caf=E9?=") == "café"
    assert decode_words("=?utf-8?x?abc?= plain") == "=?utf-8?x?abc?= plain"
    assert decode_words("no words here") == "no words here"
