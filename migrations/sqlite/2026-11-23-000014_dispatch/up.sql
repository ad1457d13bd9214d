-- Per-device delivery of a reminder: a resident with two phones gets each reminder on each
-- phone once, and a phone that answered with a retryable error is retried on its own. A row
-- exists once a device has been tried: `sent` (FCM accepted it), `failed` (retry at
-- next_attempt_at) or `dead` (given up). Removing a device or a reminder removes its rows.
CREATE TABLE notification_deliveries (
    notification_id TEXT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    sent_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (notification_id, device_id)
);
-- Deleting a device (logout, UNREGISTERED, erasure) finds its rows without a scan.
CREATE INDEX notification_deliveries_device ON notification_deliveries (device_id);
