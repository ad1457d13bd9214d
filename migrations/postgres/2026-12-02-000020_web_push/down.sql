ALTER TABLE devices DROP COLUMN web_auth;
ALTER TABLE devices DROP COLUMN web_p256dh;
