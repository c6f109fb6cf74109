from django.db import migrations

# The expression must stay identical to search.keywords.ASSET_WORDS.
ASSET_WORDS = (
    "to_tsvector('simple'::regconfig, regexp_replace(lower(coalesce(original_name, '') || ' ' || coalesce(title, '') || ' ' || coalesce(description, '') || ' ' || coalesce((metadata -> 'keywords')::text, '')), '[^[:alnum:]]+', ' ', 'g'))"
)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial"), ("dam", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX search_asset_words ON dam_asset USING gin ((%s))" % ASSET_WORDS,
            "DROP INDEX search_asset_words",
        )
    ]
