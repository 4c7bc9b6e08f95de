-- A generated schema for the catalog-load benchmark: 5,000 tables (override with
-- `psql -v tables=N`), each with 10 columns, 3 indexes (primary key and two more) and a foreign
-- key to the previous table, plus one row per table so sequences and statistics exist.
\if :{?tables}
\else
\set tables 5000
\endif
SET client_min_messages = warning;
SELECT set_config('bench.tables', :'tables', false);
DO $$
DECLARE
  n int := current_setting('bench.tables')::int;
BEGIN
  FOR i IN 1..n LOOP
    EXECUTE format(
      'CREATE TABLE t%s (
         id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         parent_id bigint %s,
         name text NOT NULL,
         status text NOT NULL DEFAULT ''new'',
         amount numeric(12,2) DEFAULT 0,
         created_at timestamptz NOT NULL DEFAULT now(),
         updated_at timestamptz,
         flags integer DEFAULT 0,
         note varchar(255),
         payload jsonb
       )', i, CASE WHEN i > 1 THEN format('REFERENCES t%s (id)', i - 1) ELSE '' END);
    EXECUTE format('CREATE INDEX t%s_parent_id_idx ON t%s (parent_id)', i, i);
    EXECUTE format('CREATE INDEX t%s_status_created_idx ON t%s (status, created_at)', i, i);
    EXECUTE format('INSERT INTO t%s (name) VALUES (''x'')', i);
    IF i % 500 = 0 THEN
      COMMIT;
    END IF;
  END LOOP;
END $$;
ANALYZE;
