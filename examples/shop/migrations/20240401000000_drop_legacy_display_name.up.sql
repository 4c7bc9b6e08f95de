SET lock_timeout = '5s';
-- plumb:ignore drop-column display_name has been unused since release 2024.03
ALTER TABLE users DROP COLUMN display_name;
