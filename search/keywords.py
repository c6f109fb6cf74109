"""The keyword signal: query words found in an asset's words.

An asset's words are its file name, title, description and the keywords
embedded in its metadata. Each query word counts once, fully when it
starts a word of the name, title or keywords and half when it only occurs
in the description; the signal is the mean over the query's words, 0..1.
This is also the whole search when the CLIP model is not installed.
"""

import re
from dataclasses import dataclass

from django.db.models import BooleanField, F, FloatField, Value
from django.db.models.expressions import RawSQL

from search.ranking import SignalHit

WORD = re.compile(r"[^\W_]+")
# Words that say nothing about a picture ("a photo of the cat"); counting
# them would dilute the words that do.
STOP_WORDS = frozenset(
    "a an and at by for from in into is of on or photo picture the to with".split()
)
# More words than this add nothing a user would notice and cost one CASE
# expression each.
MAX_TERMS = 8
DESCRIPTION_WEIGHT = 0.5


@dataclass(frozen=True)
class KeywordHit:
    asset_id: object
    value: float
    matched: tuple


def terms_of(text):
    """Distinct lower-case words of a query, in order, at most MAX_TERMS.

    Stop words are left out; single letters too, as they start half the
    words of any name.
    """
    words = [
        word.lower()
        for word in WORD.findall(text or "")
        if len(word) > 1 and word.lower() not in STOP_WORDS
    ]
    return tuple(dict.fromkeys(words))[:MAX_TERMS]


def _prefix_query(terms):
    """A tsquery matching words that start with any of the terms."""
    # Terms are runs of letters and digits (WORD), so quoting is enough.
    return " | ".join("'%s':*" % term for term in terms)


def _any_term_starts_a_word(terms):
    """A filter the GIN indexes answer: assets with a word starting with
    any of the terms, in the stored word columns (a migration of this app
    adds them to dam_asset)."""
    query = _prefix_query(terms)
    return RawSQL(
        "(dam_asset.search_words_strong @@ to_tsquery('simple', %s) "
        "OR dam_asset.search_words_description @@ to_tsquery('simple', %s))",
        [query, query],
        output_field=BooleanField(),
    )


def _term_score(term):
    """1 when the term starts a word of the name, title or keywords, half
    that when only of the description, else 0."""
    query = _prefix_query([term])
    return RawSQL(
        "CASE WHEN dam_asset.search_words_strong @@ to_tsquery('simple', %s) "
        "THEN 1.0 WHEN dam_asset.search_words_description @@ "
        "to_tsquery('simple', %s) THEN %s ELSE 0.0 END",
        [query, query, DESCRIPTION_WEIGHT],
        output_field=FloatField(),
    )


def keyword_hits(text, assets, limit):
    """The assets whose words match the query best, at most ``limit``.

    ``assets`` is the filtered queryset of dam.Asset to search in.
    """
    terms = terms_of(text)
    if not terms:
        return []

    scores = {"kw_%d" % index: _term_score(term) for index, term in enumerate(terms)}
    total = sum((F(name) for name in scores), Value(0.0))
    ranked = (
        assets.filter(_any_term_starts_a_word(terms))
        .annotate(**scores)
        .annotate(kw_total=total)
        .filter(kw_total__gt=0)
        .order_by("-kw_total", "-uploaded_at", "id")
        .values_list("id", "kw_total", *scores)[:limit]
    )

    hits = []
    for asset_id, score_sum, *per_term in ranked:
        matched = tuple(term for term, score in zip(terms, per_term) if score > 0)
        hits.append(KeywordHit(asset_id, score_sum / len(terms), matched))
    return hits


def as_signal_hits(hits):
    """Keyword hits in the ranking's terms, with the words that matched."""
    return [
        SignalHit(
            asset_id=hit.asset_id,
            value=hit.value,
            reason="matches %s" % ", ".join('"%s"' % term for term in hit.matched),
        )
        for hit in hits
    ]
