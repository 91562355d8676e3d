"""Charset labels read the way mail clients read them, and RFC 2047 encoded words.

Why not ``bytes.decode(label)``: mail says ``gb2312`` and means GBK, says
``iso-8859-1`` or ``us-ascii`` and means windows-1252 (curly quotes and the
euro sign in 0x80–0x9F), says ``ks_c_5601-1987`` and means Windows-949.  Python
reads the label literally, so those characters came out as replacement marks or
C1 control codes.  Browsers and mail clients follow the WHATWG Encoding
Standard's label table (https://encoding.spec.whatwg.org/#names-and-labels):
each label names the superset that real senders write.  :data:`_WHATWG` is
that table, label → encoding, with the Python codec for each encoding in
:data:`_CODECS`.

Where this differs from the standard, on purpose: the standard reads
``iso-2022-kr``, ``hz-gb-2312`` and ``iso-2022-cn`` as one replacement
character (a defence for web pages); in mail these are real, old encodings, so
the ones Python knows are decoded.  ``utf-7`` (RFC 2152, still sent by some
Exchange servers) is read too.  A label in neither table is tried as a Python
codec name; failing that, the text is read as UTF-8 if it is valid UTF-8,
else as windows-1252.  Undecodable bytes become U+FFFD; nothing here raises.
"""
from __future__ import annotations

import base64
import binascii
import re

UTF8 = "utf-8"
FALLBACK = "cp1252"

#: WHATWG encoding name → the Python codec that reads it (a superset where Python's is narrower).
_CODECS = {
    "UTF-8": "utf-8", "IBM866": "cp866", "ISO-8859-2": "iso8859_2", "ISO-8859-3": "iso8859_3",
    "ISO-8859-4": "iso8859_4", "ISO-8859-5": "iso8859_5", "ISO-8859-6": "iso8859_6", "ISO-8859-7": "iso8859_7",
    "ISO-8859-8": "iso8859_8", "ISO-8859-8-I": "iso8859_8", "ISO-8859-10": "iso8859_10",
    "ISO-8859-13": "iso8859_13", "ISO-8859-14": "iso8859_14", "ISO-8859-15": "iso8859_15",
    "ISO-8859-16": "iso8859_16", "KOI8-R": "koi8_r", "KOI8-U": "koi8_u", "macintosh": "mac_roman",
    "windows-874": "cp874", "windows-1250": "cp1250", "windows-1251": "cp1251", "windows-1252": "cp1252",
    "windows-1253": "cp1253", "windows-1254": "cp1254", "windows-1255": "cp1255", "windows-1256": "cp1256",
    "windows-1257": "cp1257", "windows-1258": "cp1258", "x-mac-cyrillic": "mac_cyrillic",
    # the standard's GBK decoder is its gb18030 decoder; Big5 includes HKSCS; EUC-KR is Windows-949
    "GBK": "gb18030", "gb18030": "gb18030", "Big5": "big5hkscs", "EUC-JP": "euc_jp",
    "ISO-2022-JP": "iso2022_jp", "Shift_JIS": "cp932", "EUC-KR": "cp949",
    "UTF-16BE": "utf-16-be", "UTF-16LE": "utf-16-le",
    # not WHATWG encodings (see the module docstring): old mail encodings Python can read
    "ISO-2022-KR": "iso2022_kr", "HZ-GB-2312": "hz", "UTF-7": "utf-7",
}

_WHATWG: dict[str, str] = {}
for _name, _labels in (
    ("UTF-8", "unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8"),
    ("IBM866", "866 cp866 csibm866 ibm866"),
    ("ISO-8859-2", "csisolatin2 iso-8859-2 iso-ir-101 iso8859-2 iso88592 iso_8859-2 iso_8859-2:1987 l2 latin2"),
    ("ISO-8859-3", "csisolatin3 iso-8859-3 iso-ir-109 iso8859-3 iso88593 iso_8859-3 iso_8859-3:1988 l3 latin3"),
    ("ISO-8859-4", "csisolatin4 iso-8859-4 iso-ir-110 iso8859-4 iso88594 iso_8859-4 iso_8859-4:1988 l4 latin4"),
    ("ISO-8859-5", "csisolatincyrillic cyrillic iso-8859-5 iso-ir-144 iso8859-5 iso88595 iso_8859-5 "
                   "iso_8859-5:1988"),
    ("ISO-8859-6", "arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ecma-114 iso-8859-6 iso-8859-6-e "
                   "iso-8859-6-i iso-ir-127 iso8859-6 iso88596 iso_8859-6 iso_8859-6:1987"),
    ("ISO-8859-7", "csisolatingreek ecma-118 elot_928 greek greek8 iso-8859-7 iso-ir-126 iso8859-7 iso88597 "
                   "iso_8859-7 iso_8859-7:1987 sun_eu_greek"),
    ("ISO-8859-8", "csiso88598e csisolatinhebrew hebrew iso-8859-8 iso-8859-8-e iso-ir-138 iso8859-8 iso88598 "
                   "iso_8859-8 iso_8859-8:1988 visual"),
    ("ISO-8859-8-I", "csiso88598i iso-8859-8-i logical"),
    ("ISO-8859-10", "csisolatin6 iso-8859-10 iso-ir-157 iso8859-10 iso885910 l6 latin6"),
    ("ISO-8859-13", "iso-8859-13 iso8859-13 iso885913"),
    ("ISO-8859-14", "iso-8859-14 iso8859-14 iso885914"),
    ("ISO-8859-15", "csisolatin9 iso-8859-15 iso8859-15 iso885915 iso_8859-15 l9"),
    ("ISO-8859-16", "iso-8859-16"),
    ("KOI8-R", "cskoi8r koi koi8 koi8-r koi8_r"),
    ("KOI8-U", "koi8-ru koi8-u"),
    ("macintosh", "csmacintosh mac macintosh x-mac-roman"),
    ("windows-874", "dos-874 iso-8859-11 iso8859-11 iso885911 tis-620 windows-874"),
    ("windows-1250", "cp1250 windows-1250 x-cp1250"),
    ("windows-1251", "cp1251 windows-1251 x-cp1251"),
    ("windows-1252", "ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 iso8859-1 "
                     "iso88591 iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252"),
    ("windows-1253", "cp1253 windows-1253 x-cp1253"),
    ("windows-1254", "cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso8859-9 iso88599 iso_8859-9 iso_8859-9:1989 "
                     "l5 latin5 windows-1254 x-cp1254"),
    ("windows-1255", "cp1255 windows-1255 x-cp1255"),
    ("windows-1256", "cp1256 windows-1256 x-cp1256"),
    ("windows-1257", "cp1257 windows-1257 x-cp1257"),
    ("windows-1258", "cp1258 windows-1258 x-cp1258"),
    ("x-mac-cyrillic", "x-mac-cyrillic x-mac-ukrainian"),
    ("GBK", "chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk iso-ir-58 x-gbk"),
    ("gb18030", "gb18030"),
    ("Big5", "big5 big5-hkscs cn-big5 csbig5 x-x-big5"),
    ("EUC-JP", "cseucpkdfmtjapanese euc-jp x-euc-jp"),
    ("ISO-2022-JP", "csiso2022jp iso-2022-jp"),
    ("Shift_JIS", "csshiftjis ms932 ms_kanji shift-jis shift_jis sjis windows-31j x-sjis"),
    ("EUC-KR", "cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989 ksc5601 ksc_5601 "
               "windows-949"),
    ("UTF-16BE", "unicodefffe utf-16be"),
    ("UTF-16LE", "csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 utf-16le"),
    ("ISO-2022-KR", "csiso2022kr iso-2022-kr"),
    ("HZ-GB-2312", "hz-gb-2312"),
    ("UTF-7", "utf-7 unicode-1-1-utf-7 csunicode11utf7"),
    # Microsoft's own names for the same code pages, common in mail from Outlook and Exchange
    ("GBK", "cp936 windows-936 ms936"), ("Big5", "cp950 windows-950 ms950"),
    ("Shift_JIS", "cp932"), ("EUC-KR", "cp949 ms949 uhc"),
):
    _WHATWG.update(dict.fromkeys(_labels.split(), _name))

_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"))


def codec_for(label: str | None) -> str | None:
    """The Python codec a mail client would read ``label`` with, or None when nobody knows the label.

    The label is trimmed, unquoted and case-folded as the standard says; an
    RFC 2231 language suffix (``utf-8*en``) is dropped.
    """
    if not label:
        return None
    key = label.strip().strip("\"'").strip().lower().partition("*")[0]
    name = _WHATWG.get(key)
    if name is not None:
        return _CODECS[name]
    try:
        "".encode(key)  # a codec Python knows by this name, and a text codec (not base64, zlib …)
        b"".decode(key)
    except (LookupError, ValueError):
        return None
    return key


def decode(data: bytes, label: str | None) -> str:
    """``data`` as text: a byte-order mark first, then the label as a mail client reads it, else a guess.

    Never raises: bytes the encoding cannot read become U+FFFD.
    """
    for bom, marked in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(marked, "replace")
    codec = codec_for(label)
    if codec is not None:
        try:
            return data.decode(codec, "replace")
        except (LookupError, ValueError, UnicodeError):  # a stateful codec that fails even with "replace"
            pass
    return guess(data)


def guess(data: bytes) -> str:
    """Bytes with no usable label: UTF-8 when they are valid UTF-8, else windows-1252 (what most senders mean)."""
    try:
        return data.decode(UTF8)
    except UnicodeDecodeError:
        return data.decode(FALLBACK, "replace")


# RFC 2047 §2: =?charset?encoding?encoded-text?= ; the charset may carry an RFC 2231 language (utf-8*en)
_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_SPACE_ONLY = re.compile(r"[ \t\r\n]*")
_Q_HEX = re.compile(rb"=([0-9A-Fa-f]{2})")


def _word_bytes(kind: str, text: str) -> bytes:
    raw = text.encode("ascii", "replace")
    if kind in "bB":
        raw = re.sub(rb"[^A-Za-z0-9+/]", b"", raw)
        raw = raw[:-1] if len(raw) % 4 == 1 else raw  # one stray character cannot be decoded: drop it
        try:
            return base64.b64decode(raw + b"=" * (-len(raw) % 4))  # senders drop the padding
        except (binascii.Error, ValueError):
            return b""
    return _Q_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), raw.replace(b"_", b" "))


def decode_words(value: str) -> str:
    """A header value with its RFC 2047 encoded words decoded (``=?gb2312?B?…?=`` read as GBK, and so on).

    Adjacent encoded words in one charset are joined before decoding, because
    senders split a multi-byte character across two words; the white space
    between encoded words is dropped (RFC 2047 §6.2).  A word in an unknown
    charset is read as :func:`guess` reads bytes.  Never raises.
    """
    if "=?" not in value:
        return value
    out: list[str] = []
    pending: list[bytes] = []
    pending_label: str | None = None
    end = 0

    def flush() -> None:
        if pending:
            out.append(decode(b"".join(pending), pending_label))
            pending.clear()

    for match in _WORD.finditer(value):
        between = value[end:match.start()]
        if between and not (pending and _SPACE_ONLY.fullmatch(between)):
            flush()
            out.append(between)
        label = match.group(1).partition("*")[0].lower()
        if pending and label != pending_label:
            flush()
        pending_label = label
        pending.append(_word_bytes(match.group(2), match.group(3)))
        end = match.end()
    flush()
    out.append(value[end:])
    return "".join(out)
