"""Masking personal data in text shown to the public (portal, Open311 reads).

A description is written by a caller, a citizen's app or a call-taker and may hold a phone
number, an e-mail address, an ID card number or the caller's own name. ``redact`` masks those
it can recognise; ``names_of(case)`` gives the names the system knows for a case (the hotline
caller, the Open311 contact). It cannot find every name in free text: the public pages show
descriptions only through it, and never the reporter, actors or the caller record itself.
"""

from __future__ import annotations

import re
from typing import Iterable

MASK = "***"
_PATTERNS = [
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),                                  # e-mail
    # a resident ID card number
    re.compile(r"(?<![\dA-Za-z])\d{6}(?:18|19|20)\d{2}[01]\d[0-3]\d{4}[\dXx](?![\dA-Za-z])"),
    # a mobile number
    re.compile(r"(?<![\dA-Za-z])(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?![\dA-Za-z])"),
    re.compile(r"(?<![\dA-Za-z])0\d{2,3}[- ]?\d{7,8}(?![\dA-Za-z])"),             # landline
    # a local number without area code (not a date such as 20260701)
    re.compile(r"(?<![\dA-Za-z])(?!(?:19|20)\d{2}[01]\d[0-3]\d(?!\d))\d{7,8}(?![\dA-Za-z])"),
]


def redact(text: str | None, names: Iterable[str] = ()) -> str:
    """``text`` with recognisable personal data replaced by ``***``."""
    if not text:
        return ""
    out = text
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len,
                       reverse=True):
        out = out.replace(name, MASK)
    for pattern in _PATTERNS:
        out = pattern.sub(MASK, out)
    return out


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
    return redact(case.description, names_of(case))
