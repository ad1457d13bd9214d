-- Micro-randomised reminders: per team, the probability that a reminder decision point sends;
-- per reminder, the probability used and the decision drawn (for the analysis).
ALTER TABLE teams ADD COLUMN reminder_send_probability REAL;
ALTER TABLE notifications ADD COLUMN mrt_probability REAL;
ALTER TABLE notifications ADD COLUMN mrt_send BOOLEAN;
