"""The Chinese catalogs: every message translated, and the committed .mo files compiled from
the current .po files (a stale .mo would show English or old Chinese)."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[3] / "server" / "locale"


def parse_po(path: Path) -> dict[str, str]:
    pairs, key, cur = {}, None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        m = re.match(r'^(msgid|msgstr) "(.*)"$', line)
        if m:
            cur = m.group(1)
            if cur == "msgid":
                key = m.group(2)
                pairs[key] = ""
            else:
                pairs[key] = m.group(2)
        elif line.startswith('"') and cur:
            text = line[1:-1]
            if cur == "msgid":
                del pairs[key]
                key += text
                pairs[key] = ""
            else:
                pairs[key] += text
        elif not line.strip():
            cur = None
    pairs.pop("", None)
    return {k.encode().decode("unicode_escape").encode("latin-1").decode("utf-8"):
            v.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
            for k, v in pairs.items()}


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_catalog_complete_and_compiled(domain):
    po = parse_po(LOCALE / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po")
    assert po and all(po.values()), [k for k, v in po.items() if not v]
    with open(LOCALE / "zh_Hans" / "LC_MESSAGES" / f"{domain}.mo", "rb") as f:
        mo = gettext.GNUTranslations(f)
    for msgid, msgstr in po.items():
        assert mo.gettext(msgid) == msgstr, msgid
