-- Partitions' own indexes and constraints (issue 8): PostgreSQL builds them on every
-- partition, and the catalog from this file must equal the live one.
CREATE TABLE customers (id bigint PRIMARY KEY);
-- Declarative: the parent's keys and indexes first, then partitions take them.
CREATE TABLE events (
    id bigint NOT NULL,
    kind text NOT NULL,
    customer_id bigint REFERENCES customers (id),
    payload jsonb,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (id, kind),
    UNIQUE (kind, created_at, id)
) PARTITION BY LIST (kind);
CREATE INDEX events_created_at_idx ON events (created_at);
CREATE INDEX ON events (lower(kind));
CREATE TABLE events_click PARTITION OF events FOR VALUES IN ('click');
CREATE TABLE events_view PARTITION OF events FOR VALUES IN ('view') PARTITION BY RANGE (id);
CREATE TABLE events_view_low PARTITION OF events_view FOR VALUES FROM (0) TO (1000000);
CREATE INDEX events_customer_idx ON events (customer_id) WHERE customer_id IS NOT NULL;
-- A table attached later, with an equivalent index already: PostgreSQL attaches it.
CREATE TABLE events_buy (id bigint NOT NULL, kind text NOT NULL, customer_id bigint, payload jsonb, created_at timestamptz NOT NULL);
CREATE INDEX events_buy_when ON events_buy (created_at);
ALTER TABLE events ATTACH PARTITION events_buy FOR VALUES IN ('buy');
-- Detached: it keeps its indexes and constraints as its own.
CREATE TABLE events_old PARTITION OF events FOR VALUES IN ('old');
ALTER TABLE events DETACH PARTITION events_old;
-- A CHECK added to a partitioned table is inherited by its partitions.
ALTER TABLE events ADD CONSTRAINT events_payload_check CHECK (payload IS NOT NULL) NOT VALID;
-- pg_dump's way: ONLY on the parent, one per partition, then ATTACH.
CREATE TABLE notes (id bigint NOT NULL, kind text NOT NULL, author_id bigint) PARTITION BY LIST (kind);
CREATE TABLE issue_notes (id bigint NOT NULL, kind text NOT NULL, author_id bigint);
ALTER TABLE ONLY notes ATTACH PARTITION issue_notes FOR VALUES IN ('Issue');
ALTER TABLE ONLY notes ADD CONSTRAINT notes_pkey PRIMARY KEY (id, kind);
ALTER TABLE ONLY issue_notes ADD CONSTRAINT issue_notes_pkey PRIMARY KEY (id, kind);
CREATE INDEX index_notes_on_author_id ON ONLY notes USING btree (author_id);
CREATE INDEX issue_notes_author_id_idx ON issue_notes USING btree (author_id);
ALTER INDEX notes_pkey ATTACH PARTITION issue_notes_pkey;
ALTER INDEX index_notes_on_author_id ATTACH PARTITION issue_notes_author_id_idx;
ALTER TABLE notes ADD CONSTRAINT fk_notes_author FOREIGN KEY (author_id) REFERENCES customers (id) ON DELETE CASCADE;
-- A foreign key that references a partitioned table.
CREATE TABLE clicks_seen (event_id bigint, event_kind text, FOREIGN KEY (event_id, event_kind) REFERENCES events (id, kind));
-- Dropping the parent's index drops the partitions'.
CREATE INDEX events_payload_idx ON events USING gin (payload);
DROP INDEX events_payload_idx;
