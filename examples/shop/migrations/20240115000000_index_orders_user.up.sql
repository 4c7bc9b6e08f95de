-- Dangerous: builds the index while blocking writes to orders.
CREATE INDEX orders_user_id_idx ON orders (user_id);
