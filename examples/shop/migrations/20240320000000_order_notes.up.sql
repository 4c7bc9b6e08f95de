SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN notes text;
