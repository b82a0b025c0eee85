"""Make Chinese render as text, not boxes: Kivy's default Roboto has no CJK glyphs, so the
first CJK font found replaces the default font name for every widget. Without one the app
still runs (Latin text fine, Chinese shows boxes) and says so in the log.

The APK carries its own: Noto Sans CJK SC, cut down by ``packaging/cjk_font.py`` (Chinese
phones' ROMs often replace Android's Noto CJK with a font of their own under another name,
and a .ttc's first face is the Japanese one: Kivy would draw Japanese glyph forms).
"""

from __future__ import annotations

import os

from kivy.core.text import DEFAULT_FONT, LabelBase
from kivy.logger import Logger

SHIPPED = os.path.join(os.path.dirname(__file__), "fonts", "NotoSansCJKsc-Regular-subset.otf")
CANDIDATES = (
    os.environ.get("DCM_CJK_FONT", ""),
    SHIPPED,                                                   # in the APK (packaging/cjk_font.py)
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",          # Debian fonts-wqy-microhei
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/system/fonts/NotoSansCJK-Regular.ttc",                   # Android
    "/system/fonts/DroidSansFallback.ttf",                     # older Android
)


def register_cjk_font() -> str | None:
    """Register the first existing candidate as the default font; returns its path or None."""
    for path in CANDIDATES:
        if path and os.path.exists(path):
            LabelBase.register(DEFAULT_FONT, path)
            Logger.info(f"Fonts: CJK font {path}")
            return path
    Logger.warning("Fonts: no CJK font found; Chinese will show as boxes")
    return None
