-- A digest the mail server refused permanently (a 5xx reply, or a message that cannot be built)
-- stays pending but is not retried on every run: refused_under holds a fingerprint of the mail
-- settings it was refused under, and it is tried again once they differ, or when an operator
-- runs `notify --retry-refused`.
ALTER TABLE digests ADD COLUMN refused_under TEXT;
