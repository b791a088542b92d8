"""Free text typed into staff forms, made safe to store."""

import unicodedata

_KEPT_CONTROLS = {"\n", "\t"}


def storable(text: str) -> str:
    """Without control characters (a NUL cannot even be stored by PostgreSQL), trimmed; line breaks kept.

    They are invisible, so dropping them changes nothing a person meant to type."""
    text = text.replace("\r\n", "\n")
    return "".join(ch for ch in text if ch in _KEPT_CONTROLS or unicodedata.category(ch) != "Cc").strip()
