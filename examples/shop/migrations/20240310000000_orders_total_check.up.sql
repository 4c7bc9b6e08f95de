SET lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_total_cents_not_null CHECK (total_cents IS NOT NULL) NOT VALID;
