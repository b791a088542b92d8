"""How the desk compares residents without keeping their names.

A steward types what the resident says; the same person arrives as "Zoë Brontë", "zoe bronte.",
"Zое Brontё" (Cyrillic о and ё) or with a full-width postcode pasted from a phone. Everything
here folds those to one form before it is hashed; nothing here is stored as typed.
"""

import unicodedata

# Letters from other scripts that look like Latin ones. Capitals are folded before casefold, because
# casefold turns some of them (Greek Eta, "H") into a lower case letter that looks like something else.
_LOOK_ALIKE_CAPITALS = dict(zip("АВЕЅІЈКМНОРСТХУΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABESIJKMHOPCTXYABEZHIKMNOPTYX", strict=True))
_LOOK_ALIKE_SMALL = dict(zip("аеорсухіјѕһԁԛԝкмтвпοαικνρτυχ", "aeopcyxijshdqwkmtbnoaiknptux", strict=True))
# Latin letters that NFKD does not split into a base letter and an accent.
_UNSPLIT_LETTERS = {"ø": "o", "ł": "l", "đ": "d", "æ": "ae", "œ": "oe", "ı": "i", "ŧ": "t", "ð": "d", "þ": "th"}
_FOLD = str.maketrans({**_LOOK_ALIKE_CAPITALS, **_LOOK_ALIKE_SMALL, **_UNSPLIT_LETTERS})


def fold(text: str) -> str:
    """Lower-case Latin letters and digits, accents dropped, look-alikes replaced, anything else a space."""
    text = unicodedata.normalize("NFKC", text).translate(_FOLD)
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = text.casefold().translate(_FOLD)
    return "".join(ch if ch.isascii() and ch.isalnum() else " " for ch in text)


def name_words(name: str) -> list[str]:
    """The words of a name, so "Anne-Marie O'Neill." and "anne marie o neill" agree."""
    return fold(name).split()


def name_key(name: str) -> str:
    # Joined without spaces: "O'Neill", "ONeill" and "O Neill" are one person.
    return "".join(name_words(name))


def likely_match_words(name: str) -> list[str]:
    """The first and last word, if longer than an initial: a second pass with either one at the
    same postcode is worth a question from the steward ("M. Holt", "Holt, Margaret")."""
    words = name_words(name)
    return [w for w in dict.fromkeys(words[:1] + words[-1:]) if len(w) > 1]


def fold_postcode(text: str) -> str:
    """Upper case without spaces or punctuation: "ＳＫ１０ １ＥＡ" and "sk10-1ea" are SK101EA."""
    return "".join(fold(text).split()).upper()
