CREATE TABLE payments (
    id serial PRIMARY KEY,
    order_id bigint NOT NULL REFERENCES orders (id),
    provider varchar(255) NOT NULL,
    amount_cents bigint NOT NULL,
    paid_at timestamp
);
