"""Build the CJK font shipped inside the APK: Noto Sans CJK SC cut down to the characters a
handset shows (run before ``buildozer``; ``build_apk.sh`` does).

Source: Debian's ``fonts-noto-cjk`` (SIL Open Font License 1.1),
``/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc``; the face whose family is
"Noto Sans CJK SC" (a .ttc holds JP, KR, SC, TC and HK faces: SC has the mainland's glyph
forms). Kept: printable ASCII and Latin-1, general and CJK punctuation, full-width forms, the
characters of the chosen charset (``gb2312``: its 6,763 hanzi, about 2 MB; ``gbk``: 21,003
hanzi, for rare characters in street and place names, about 6 MB) and every character of
the app's messages. Out: ``ui/fonts/NotoSansCJKsc-Regular-subset.otf`` and the license beside
it (the OFL asks that it travel with the font). ``ui/fonts.py`` registers it as Kivy's default
font. Needs fontTools (``requirements.txt``).

``python mobileapp/packaging/cjk_font.py [--charset gbk] [--source F] [--out F]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
APP = HERE.parent
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FAMILY = "Noto Sans CJK SC"
OUT = APP / "ui" / "fonts" / "NotoSansCJKsc-Regular-subset.otf"
LICENSE_SOURCE = Path("/usr/share/doc/fonts-noto-cjk/copyright")
RANGES = ((0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2190, 0x21FF), (0x2460, 0x24FF),
          (0x25A0, 0x25FF), (0x3000, 0x303F), (0xFF00, 0xFFEF))


def charset_chars(name: str) -> set[str]:
    """Every character the two-byte codec ``name`` (gb2312, gbk) can encode."""
    out = set()
    for hi in range(0x81, 0xFF):
        for lo in range(0x40, 0xFF):
            try:
                out.update(bytes((hi, lo)).decode(name))
            except UnicodeDecodeError:
                continue
    return out


def message_chars() -> set[str]:
    """Every character of the app's messages (so no label of ours is ever boxes)."""
    sys.path.insert(0, str(APP.parent))
    from mobileapp.core.messages import MESSAGES

    return {c for entry in MESSAGES.values() for text in entry.values() for c in text}


def wanted(charset: str) -> set[str]:
    chars = {chr(c) for lo, hi in RANGES for c in range(lo, hi + 1)}
    return chars | charset_chars(charset) | message_chars()


def face_index(path: Path, family: str) -> int:
    """The index of ``family`` in a .ttc (0 for a single font)."""
    from fontTools.ttLib import TTCollection

    if path.suffix.lower() not in (".ttc", ".otc"):
        return 0
    for i, font in enumerate(TTCollection(str(path)).fonts):
        names = {n.toUnicode() for n in font["name"].names if n.nameID in (1, 16)}
        if family in names:
            return i
    raise SystemExit(f"{path} has no face named {family!r}")


def build(source: Path, out: Path, chars: set[str], family: str = FAMILY) -> Path:
    """Subset ``source``'s ``family`` face to ``chars`` into ``out``; returns ``out``."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(source), fontNumber=face_index(source, family), lazy=False)
    options = subset.Options()
    options.hinting = False          # phones render CJK unhinted; hints are a third of CFF
    options.layout_features = ["*"]  # vertical forms, punctuation width, fractions
    options.name_languages = ["*"]
    options.notdef_outline = True
    sub = subset.Subsetter(options)
    sub.populate(unicodes={ord(c) for c in chars})
    sub.subset(font)
    out.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(out))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=SOURCE)
    ap.add_argument("--family", default=FAMILY)
    ap.add_argument("--charset", choices=("gb2312", "gbk"), default="gb2312")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    if not args.source.exists():
        raise SystemExit(f"{args.source} is missing: apt-get install fonts-noto-cjk")
    out = build(args.source, args.out, wanted(args.charset), args.family)
    if LICENSE_SOURCE.exists():
        (out.parent / "LICENSE-NotoSansCJK.txt").write_text(LICENSE_SOURCE.read_text())
    print(f"{out}: {out.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
