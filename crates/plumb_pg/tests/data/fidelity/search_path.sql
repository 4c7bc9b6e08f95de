-- Name resolution through search_path (issue 8): every unqualified name below resolves to the
-- schema PostgreSQL picks, and the catalog from this file must equal the live one.
CREATE SCHEMA a;
CREATE SCHEMA b;
CREATE SCHEMA app;
SET search_path = a;
CREATE TABLE t (id int PRIMARY KEY, x text);
SET search_path = b, public;
CREATE TABLE t (id bigint PRIMARY KEY, y int);
CREATE TABLE child (id int PRIMARY KEY, t_id bigint REFERENCES t);
CREATE INDEX ON t (y);
ALTER TABLE t ADD COLUMN z int;
CREATE TABLE shared (id int PRIMARY KEY);
SET search_path = app, public;
CREATE TYPE mood AS ENUM ('ok', 'sad');
CREATE DOMAIN positive AS int CHECK (VALUE > 0);
CREATE SEQUENCE person_seq;
CREATE TABLE person (
    id int PRIMARY KEY DEFAULT nextval('person_seq'),
    m mood NOT NULL DEFAULT 'ok',
    n positive,
    serial_id serial,
    doc tsvector
);
ALTER TABLE person ADD COLUMN other int REFERENCES b.t (id);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER person_touch BEFORE UPDATE ON person FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TRIGGER person_tsv BEFORE INSERT OR UPDATE ON person FOR EACH ROW
    EXECUTE FUNCTION tsvector_update_trigger(doc, 'pg_catalog.english', doc);
CREATE CONSTRAINT TRIGGER person_check AFTER INSERT ON person DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION touch();
COMMENT ON TABLE person IS 'people';
COMMENT ON COLUMN person.m IS 'how they feel';
CREATE VIEW happy AS SELECT id FROM person WHERE m = 'ok';
BEGIN;
SET LOCAL search_path = b;
CREATE TABLE in_b (id int);
COMMIT;
CREATE TABLE in_app (id int);
SELECT pg_catalog.set_config('search_path', 'a', false);
CREATE TABLE also_a (id int, t_id int REFERENCES t);
RESET search_path;
CREATE TABLE in_public (id int);
-- A renamed column is renamed in expression keys and predicates of its indexes too.
CREATE TABLE renamed (actor_id text);
CREATE UNIQUE INDEX renamed_lower ON renamed (lower(actor_id)) WHERE actor_id IS NOT NULL;
ALTER TABLE renamed RENAME COLUMN actor_id TO ap_id;
