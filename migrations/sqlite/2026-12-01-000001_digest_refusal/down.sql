ALTER TABLE digests DROP COLUMN refused_under;
