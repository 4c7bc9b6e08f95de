SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN total_cents bigint;
-- Dangerous: one UPDATE of every order, inside the migration's transaction.
UPDATE orders SET total_cents = (
    SELECT coalesce(sum(p.price_cents * i.quantity), 0)
    FROM order_items i JOIN products p ON p.id = i.product_id
    WHERE i.order_id = orders.id
) WHERE total_cents IS NULL;
