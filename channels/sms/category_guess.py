"""The category of an SMS complaint, guessed from the keywords admins give each category.

A citizen on SMS chooses no category, so the words of the complaint pick
one; without a match it is "other" (Lainnya), for staff to route.
"""

from __future__ import annotations

import re

from complaints.categories import active_categories
from complaints.models import Category

FALLBACK_CATEGORY = "other"  # "Lainnya": staff route it by hand


def _keyword_matches(word: str, keyword: str) -> bool:
    # Indonesian affixes: "kebanjiran" is about "banjir", "lampunya" about "lampu".
    return word == keyword or (len(keyword) >= 4 and keyword in word)


def guess_category(text: str) -> Category | None:
    """The active category whose keywords the text mentions most, else "other".

    On a tie the category mentioned first wins: Indonesian puts the head of
    a phrase first, so "lampu jalan" (street light) is about the lamp.
    """
    categories = active_categories()
    words = re.findall(r"[^\W_]+", text.lower())
    best, best_rank = None, (0, 0)
    for category in categories:
        keywords = set(category.keywords.lower().split())
        hits = [
            i for i, word in enumerate(words) if any(_keyword_matches(word, k) for k in keywords)
        ]
        rank = (len(hits), -hits[0]) if hits else (0, 0)
        if hits and rank > best_rank:  # a full tie goes to the category listed first
            best, best_rank = category, rank
    if best is not None:
        return best
    return next((c for c in categories if c.code == FALLBACK_CATEGORY), None)
