-- no-transaction
DROP INDEX CONCURRENTLY IF EXISTS users_display_name_idx;
