"""The Chinese catalogs: every message translated, and the committed .mo files compiled from
the current .po files (a stale .mo would show English or old Chinese)."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[3] / "server" / "locale"


def parse_po(path: Path) -> dict[str, str]:
    """msgid -> msgstr (a plural entry: its msgid -> its one Chinese form, ``msgstr[0]``; the
    ids of plural entries are also in ``parse_po.plural``)."""
    pairs, key, cur, plural = {}, None, None, {}
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        m = re.match(r'^(msgid|msgid_plural|msgstr|msgstr\[0\]) "(.*)"$', line)
        if m:
            cur = m.group(1)
            if cur == "msgid":
                key = m.group(2)
                pairs[key] = ""
            elif cur == "msgid_plural":
                plural[key] = m.group(2)
            else:
                pairs[key] = m.group(2)
        elif line.startswith('"') and cur:
            text = line[1:-1]
            if cur == "msgid":
                del pairs[key]
                key += text
                pairs[key] = ""
            elif cur != "msgid_plural":
                pairs[key] += text
        elif not line.strip():
            cur = None
    pairs.pop("", None)

    def text(s: str) -> str:
        return s.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")

    parse_po.plural = {text(k): text(v) for k, v in plural.items()}
    return {text(k): text(v) for k, v in pairs.items()}


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_catalog_complete_and_compiled(domain):
    po = parse_po(LOCALE / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po")
    assert po and all(po.values()), [k for k, v in po.items() if not v]
    with open(LOCALE / "zh_Hans" / "LC_MESSAGES" / f"{domain}.mo", "rb") as f:
        mo = gettext.GNUTranslations(f)
    for msgid, msgstr in po.items():
        if msgid in parse_po.plural:  # Chinese has one form for every count
            assert mo.ngettext(msgid, parse_po.plural[msgid], 2) == msgstr, msgid
        else:
            assert mo.gettext(msgid) == msgstr, msgid
