DROP INDEX plans_next_check;
ALTER TABLE plans DROP COLUMN at_risk_at;
ALTER TABLE plans DROP COLUMN escalated_at;
ALTER TABLE plans DROP COLUMN inactivity_stage;
ALTER TABLE plans DROP COLUMN next_check_at;
ALTER TABLE plans DROP COLUMN last_activity_at;
DROP TABLE notifications;
DROP TABLE notification_preferences;
DROP TABLE devices;
