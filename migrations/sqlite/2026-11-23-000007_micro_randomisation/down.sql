ALTER TABLE notifications DROP COLUMN mrt_send;
ALTER TABLE notifications DROP COLUMN mrt_probability;
ALTER TABLE teams DROP COLUMN reminder_send_probability;
