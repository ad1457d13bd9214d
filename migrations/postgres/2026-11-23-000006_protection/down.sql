ALTER TABLE teams DROP COLUMN arm_policy;
DROP INDEX plans_closed;
ALTER TABLE plans DROP COLUMN arm_randomised;
ALTER TABLE plans DROP COLUMN arm;
ALTER TABLE plans DROP COLUMN outflow_reason;
ALTER TABLE plans DROP COLUMN closed_at;
ALTER TABLE users DROP COLUMN erased_at;
DROP TABLE audit_log;
