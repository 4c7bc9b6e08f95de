-- Fidelity fixture: forms met in real schemas (MusicBrainz, danbooru, lago; issue 8) that the
-- catalog and the DBML round trip must keep: an ICU collation, a text search configuration
-- copied from `simple` and remapped, functions that indexes and checks call, casts that change
-- a value's kind, a deferrable UNIQUE constraint, an unlogged table, identity ALWAYS,
-- PostgreSQL's internal "char" type, an aggregate, and views reading views and a materialized
-- view's index.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE SCHEMA mb;
SET search_path = mb, public;
CREATE COLLATION mb_sort (provider = icu, locale = '@colCaseFirst=lower;colNumeric=yes');
CREATE COLLATION mb_nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TEXT SEARCH CONFIGURATION mb_simple (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION mb_simple
    ALTER MAPPING FOR word, numword, hword, numhword, hword_part, hword_numpart
    WITH unaccent, simple;
CREATE FUNCTION mb_lower(text) RETURNS text LANGUAGE sql IMMUTABLE STRICT
    AS $$ SELECT lower(regexp_replace($1, '\s+', ' ', 'g')) $$;
CREATE FUNCTION mb_initials(names text[]) RETURNS text LANGUAGE plpgsql IMMUTABLE
    AS $$
BEGIN
  RETURN array_to_string(ARRAY(SELECT left(n, 1) FROM unnest(names) n), '');
END
$$;
CREATE FUNCTION _median(integer[]) RETURNS integer LANGUAGE sql IMMUTABLE
    AS $$ SELECT $1[array_upper($1, 1) / 2 + 1] $$;
CREATE AGGREGATE median(integer) (SFUNC = array_append, STYPE = integer[], FINALFUNC = _median, INITCOND = '{}');
CREATE TABLE artist (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name varchar(200) NOT NULL,
    sort_name text COLLATE mb_sort,
    other_names text[] NOT NULL DEFAULT '{}',
    bit_prefs bigint NOT NULL DEFAULT 0,
    tags varchar(40)[] NOT NULL DEFAULT '{}',
    op "char",
    CONSTRAINT tags_have_no_commas CHECK (NOT (tags::text ~ ','))
);
CREATE TABLE medium (
    id serial PRIMARY KEY,
    artist integer NOT NULL REFERENCES artist (id),
    position integer NOT NULL,
    CONSTRAINT medium_uniq UNIQUE (artist, position) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE UNLOGGED TABLE rate_limit (key text PRIMARY KEY, hits integer NOT NULL);
CREATE INDEX artist_name_sort ON artist (name COLLATE mb_sort);
CREATE INDEX artist_lower_name ON artist (mb_lower(name));
CREATE INDEX artist_initials ON artist (mb_initials(ARRAY[name::text] || other_names));
CREATE INDEX artist_name_txt ON artist USING gin (to_tsvector('mb.mb_simple', name));
CREATE INDEX artist_private ON artist (bit_prefs) WHERE get_bit(bit_prefs::bit(31), 24) = 1;
CREATE VIEW artist_names AS SELECT id, name FROM artist;
CREATE VIEW artist_names_sorted AS SELECT * FROM artist_names ORDER BY name;
CREATE MATERIALIZED VIEW medium_counts AS SELECT artist, count(*) AS n, median(position) AS mid FROM medium GROUP BY artist;
CREATE UNIQUE INDEX medium_counts_artist ON medium_counts (artist);
RESET search_path;
