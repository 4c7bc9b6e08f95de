SET lock_timeout = '5s';
-- Dangerous: the running application still selects products.title.
ALTER TABLE products RENAME COLUMN title TO name;
