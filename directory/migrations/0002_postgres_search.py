"""PostgreSQL only: unaccent and pg_trgm, an accent-insensitive text search configuration, a
stored tsvector column (unknown to the model: PostgreSQL fills it) and the GIN indexes behind
free-text search. SQLite keeps plain LIKE over the folded columns.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'directory_search') THEN
        CREATE TEXT SEARCH CONFIGURATION directory_search (COPY = pg_catalog.simple);
        ALTER TEXT SEARCH CONFIGURATION directory_search
          ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
      END IF;
    END $$
    """,
    # IMMUTABLE wrapper (unaccent() itself is only STABLE) for ad-hoc SQL and expression indexes.
    """
    CREATE OR REPLACE FUNCTION directory_unaccent(text) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
      AS $$ SELECT unaccent('unaccent'::regdictionary, $1) $$
    """,
    "CREATE INDEX IF NOT EXISTS cp_search_trgm ON directory_contactpoint "
    "USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS cp_authority_trgm ON directory_contactpoint "
    "USING gin (authority_text gin_trgm_ops)",
    # Stored, so ranking reads it instead of parsing every matching row's text again.
    "ALTER TABLE directory_contactpoint ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('directory_search'::regconfig, search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS cp_search_fts ON directory_contactpoint USING gin (search_vector)",
    # The search order, freshest first (SQLite cannot index NULLS LAST).
    "CREATE INDEX IF NOT EXISTS cp_freshest ON directory_contactpoint "
    "(verification_due_at DESC NULLS LAST, id)",
]

BACKWARD = [
    "DROP INDEX IF EXISTS cp_freshest",
    "DROP INDEX IF EXISTS cp_search_fts",
    "ALTER TABLE directory_contactpoint DROP COLUMN IF EXISTS search_vector",
    "DROP INDEX IF EXISTS cp_authority_trgm",
    "DROP INDEX IF EXISTS cp_search_trgm",
    "DROP FUNCTION IF EXISTS directory_unaccent(text)",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS directory_search",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
