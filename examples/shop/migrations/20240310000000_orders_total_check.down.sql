ALTER TABLE orders DROP CONSTRAINT orders_total_cents_not_null;
