-- A pending signal's last try: the latest permit import (imports.id) when a tick last looked
-- for its person's permits and found none. Until another permit import, or the day the signal
-- may be given up on, looking again can find nothing new, so a tick skips it: a tick that
-- finds nothing new costs nothing, however many signals wait. NULL: not tried yet.
ALTER TABLE signals ADD COLUMN tried_at_import BIGINT;
