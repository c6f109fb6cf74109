from django.db import migrations

# An asset's words as stored text-search vectors, one lexeme per run of
# letters and digits: the words that count fully (file name, title,
# keywords) and those of the description. search.keywords matches query
# words against them as prefixes.
WORDS = (
    "to_tsvector('simple'::regconfig, regexp_replace(lower(%s), "
    "'[^[:alnum:]]+', ' ', 'g'))"
)
STRONG = WORDS % (
    "coalesce(original_name, '') || ' ' || coalesce(title, '') || ' ' || "
    "coalesce((metadata -> 'keywords')::text, '')"
)
DESCRIPTION = WORDS % "coalesce(description, '')"

FORWARD = [
    "ALTER TABLE dam_asset ADD COLUMN search_words_strong tsvector "
    "GENERATED ALWAYS AS (%s) STORED" % STRONG,
    "ALTER TABLE dam_asset ADD COLUMN search_words_description tsvector "
    "GENERATED ALWAYS AS (%s) STORED" % DESCRIPTION,
    "CREATE INDEX search_asset_words_strong ON dam_asset "
    "USING gin (search_words_strong)",
    "CREATE INDEX search_asset_words_description ON dam_asset "
    "USING gin (search_words_description)",
]
BACKWARD = [
    "ALTER TABLE dam_asset DROP COLUMN search_words_strong",
    "ALTER TABLE dam_asset DROP COLUMN search_words_description",
]


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial"), ("dam", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
