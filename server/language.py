"""The page's language for labels that come in pairs (Chinese, English).

Interface text written in code is translated with gettext (msgids in English, the Chinese in
``server/locale``). Labels that arrive as data with both names (the workflow's states, actions
and roles, the evaluation rules' rates and entity types, the classification's classes) carry a
Chinese and an English name; a page shows the one of its language, never both: Chinese unless
the request's language is English.
"""

from __future__ import annotations

from django.utils.translation import get_language


def is_english() -> bool:
    """True when the active language (the request's, under LocaleMiddleware) is English."""
    return (get_language() or "zh-hans").startswith("en")


def in_language(zh: str, en: str) -> str:
    """``en`` on an English page, ``zh`` otherwise (Chinese is the default)."""
    return en if is_english() else zh
