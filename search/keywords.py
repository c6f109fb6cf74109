"""The keyword signal: query words found in an asset's words.

An asset's words are its file name, title, description and the keywords
embedded in its metadata. Each query word counts once, fully when it
starts a word of the name, title or keywords and half when it only occurs
in the description; the signal is the mean over the query's words, 0..1.
This is also the whole search when the CLIP model is not installed.
"""

import re
from dataclasses import dataclass

from django.db.models import Case, F, FloatField, Q, Value, When
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
# Asset fields whose words count fully; metadata__keywords is read as the
# JSON text of whatever the metadata step stored there (list or string).
STRONG_FIELDS = ("original_name", "title", "metadata__keywords")


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


def _starts_word(field, term):
    # PostgreSQL regex: the term at the start of the text or after a
    # character that is not a letter or digit ("grace_hopper.jpg" holds
    # "hopper"; "certificate" does not hold "cat").
    pattern = r"(^|[^[:alnum:]])%s" % re.escape(term)
    return Q(**{"%s__iregex" % field: pattern})


# The asset's words as a text-search vector: every run of letters and
# digits is one lexeme. The GIN index search_asset_words (a migration of
# this app) is on exactly this expression; change both together.
ASSET_WORDS = (
    "to_tsvector('simple'::regconfig, regexp_replace(lower("
    "coalesce(original_name, '') || ' ' || coalesce(title, '') || ' ' || "
    "coalesce(description, '') || ' ' || coalesce((metadata -> 'keywords')::text, '')"
    "), '[^[:alnum:]]+', ' ', 'g'))"
)


def _any_term_starts_a_word(terms):
    """A filter the GIN index answers: assets with a word starting with
    any of the terms. It narrows the scan before the exact scoring below,
    which alone read every row (150 ms at 100k assets)."""
    prefixes = " | ".join("'%s':*" % term for term in terms)
    matching = RawSQL(
        "SELECT id FROM dam_asset WHERE %s @@ to_tsquery('simple', %%s)" % ASSET_WORDS,
        [prefixes],
    )
    return Q(id__in=matching)


def _term_score(term):
    strong = Q()
    for field in STRONG_FIELDS:
        strong |= _starts_word(field, term)
    return Case(
        When(strong, then=Value(1.0)),
        When(_starts_word("description", term), then=Value(DESCRIPTION_WEIGHT)),
        default=Value(0.0),
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
