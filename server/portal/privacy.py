"""Masking personal data in text shown to the public (portal, Open311 reads).

A description or an address is written by a caller, a citizen's app or a call-taker and may
hold a phone number, an e-mail address, an ID card number or the caller's own name. ``redact``
masks those it can recognise; ``names_of(case)`` gives the names the system knows for a case
(the hotline caller, the Open311 contact). It cannot find every name in free text: the public
outputs show descriptions and addresses only through ``public_description`` and
``public_address``, and never the reporter, actors or the caller record itself.
docs/privacy.md lists what is masked and where.

Numbers are recognised however they are written: with spaces, dashes, dots or brackets between
the digits, in full-width digits (１３８…), or in Chinese numerals (一三八…, 幺三八…, 零/〇 for
0, 两 for 2). Matching runs on a "shadow" of the text of the same length in which each such
character is replaced by its ASCII digit or punctuation, so a span found in the shadow is
masked in the original text.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

MASK = "***"

#: Chinese numerals as people write phone numbers with them (幺 for 1 and 洞 for 0 when read
#: aloud, 两 for 2). 十, 百 and 千 are not digits of a number read out digit by digit.
_CHINESE_DIGITS = {
    "〇": "0", "零": "0", "洞": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3",
    "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9",
    # the financial forms (大写), simplified and traditional
    "壹": "1", "贰": "2", "貳": "2", "叁": "3", "參": "3", "肆": "4", "伍": "5", "陆": "6",
    "陸": "6", "柒": "7", "捌": "8", "玖": "9"}
#: Separators met between the digits of one number, folded to ASCII in the shadow.
_SEPARATORS = {"\u3000": " ", "－": "-", "—": "-", "–": "-", "‐": "-", "（": "(", "）": ")",
               "．": ".", "·": "."}

#: Latin-1, general punctuation, super- and subscripts, enclosed numbers, CJK punctuation,
#: small and full-width forms.
_NUMBER_BLOCKS = ((0x80, 0xFF), (0x2000, 0x209F), (0x2460, 0x24FF), (0x3000, 0x303F),
                  (0xFE50, 0xFE6F), (0xFF00, 0xFFEF))

#: Not inside a longer number or code, nor the decimals of a number (116.4074123).
_NOT_BEFORE = r"(?<![\dA-Za-z])(?<!\d\.)"
_NOT_AFTER = r"(?![\dA-Za-z])"
#: One optional separator between two digits of a written number.
_SEP = r"[ .-]?"
_PATTERNS = [
    # an e-mail address (ASCII: in Chinese text the address is not followed by a space)
    re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"),
    # a resident ID card number (18 characters, the last may be X), also written in groups
    re.compile(_NOT_BEFORE + r"\d{6}" + _SEP + r"(?:18|19|20)\d{2}" + _SEP + r"[01]\d" + _SEP +
               r"[0-3]\d" + _SEP + r"\d{3}[\dXx]" + _NOT_AFTER),
    # a mobile number, with or without +86, however its eleven digits are grouped
    re.compile(_NOT_BEFORE + r"(?:(?:\+|00)?86" + _SEP + r")?1[3-9](?:" + _SEP + r"\d){9}" +
               _NOT_AFTER),
    # a landline with its area code (010, (010), 010-, +86 10), the local number of 7 or 8
    # digits whole or split in two (6512 3456, 651-2345)
    re.compile(_NOT_BEFORE + r"(?:(?:\+|00)?86" + _SEP + r"\(?0?\d{2,3}\)?|\(0\d{2,3}\)|"
               r"0\d{2,3})[ .-]{0,3}[2-9]\d{2,3}" + _SEP + r"\d{4}" + _NOT_AFTER),
    # a local number split in two (6512 3456), but not a range of years or a date
    # (2019-2020, 2026-0701)
    re.compile(_NOT_BEFORE + r"(?!20\d\d[ .-](?:20\d\d|[01]\d[0-3]\d)(?!\d))[2-9]\d{2,3}"
               r"[ .-]\d{4}" + _NOT_AFTER),
    # any other run of 7 or 8 digits (a local number written without separators), but not a
    # date such as 20260701
    re.compile(_NOT_BEFORE + r"(?!(?:19|20)\d{2}[01]\d[0-3]\d(?!\d))\d{7,8}" + _NOT_AFTER),
]


def _shadow_table() -> dict[int, str]:
    """The folding as a ``str.translate`` table: Chinese numerals, the separators above, and
    each character of the blocks numbers are written with whose compatibility form (NFKC) is
    one ASCII character (full-width digits and letters, ＠ and ＋, superscripts, circled
    digits ①)."""
    table = {}
    for first, last in _NUMBER_BLOCKS:
        for code in range(first, last + 1):
            folded = unicodedata.normalize("NFKC", chr(code))
            if len(folded) == 1 and folded.isascii():
                table[code] = folded
    table.update({ord(k): v for k, v in _SEPARATORS.items()})
    table.update({ord(k): v for k, v in _CHINESE_DIGITS.items()})
    return table


_SHADOW = _shadow_table()


def _shadow(text: str) -> str:
    """``text`` with the same length, numerals and separators folded to ASCII."""
    return text.translate(_SHADOW)


def redact(text: str | None, names: Iterable[str] = ()) -> str:
    """``text`` with recognisable personal data replaced by ``***``: the ``names`` given, e-mail
    addresses, ID card numbers, mobile and landline numbers (see the module docstring)."""
    if not text:
        return ""
    out = text
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len,
                       reverse=True):
        out = out.replace(name, MASK)
    shadow = _shadow(out)
    spans: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(shadow):
            spans.append(m.span())
            # Blank the match so a later, looser pattern does not find a part of it again.
            shadow = shadow[:m.start()] + "\0" * (m.end() - m.start()) + shadow[m.end():]
    if not spans:
        return out
    pieces, at = [], 0
    for start, end in sorted(spans):
        if start < at:  # overlaps a span already masked
            at = max(at, end)
            continue
        pieces += [out[at:start], MASK]
        at = end
    pieces.append(out[at:])
    return "".join(pieces)


def names_of(case) -> list[str]:
    """Names the system holds for the person behind ``case`` (caller, Open311 contact)."""
    names: list[str] = []
    # A missing reverse one-to-one raises RelatedObjectDoesNotExist, an AttributeError.
    call = getattr(case, "hotline_call", None)
    if call is not None:
        names.append(call.caller_name)
    sr = getattr(case, "open311_request", None)
    if sr is not None:
        names += [sr.first_name, sr.last_name,
                  f"{sr.first_name}{sr.last_name}", f"{sr.last_name}{sr.first_name}",
                  f"{sr.first_name} {sr.last_name}"]
    return [n for n in names if n and n.strip()]


def public_description(case) -> str:
    """The case's description as the public may read it."""
    return redact(case.description, names_of(case))


def public_address(address: str | None, case) -> str:
    """An address written by a caller or a client (hotline, Open311) as the public may read
    it: someone may have typed a phone number or a name into it."""
    return redact(address, names_of(case))
