-- Standard Web Push (RFC 8030/8291/8292) devices: `token` holds the push subscription's
-- endpoint; these hold the browser's public key (P-256, uncompressed, base64url) and its
-- authentication secret (16 bytes, base64url), with which every message is encrypted.
ALTER TABLE devices ADD COLUMN web_p256dh TEXT;
ALTER TABLE devices ADD COLUMN web_auth TEXT;
