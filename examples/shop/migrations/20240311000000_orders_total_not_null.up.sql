SET lock_timeout = '5s';
ALTER TABLE orders VALIDATE CONSTRAINT orders_total_cents_not_null;
ALTER TABLE orders ALTER COLUMN total_cents SET NOT NULL;
ALTER TABLE orders DROP CONSTRAINT orders_total_cents_not_null;
