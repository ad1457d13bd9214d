-- Append-only record of every staff read or change of a resident's data.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL,
    actor_id TEXT,
    actor_role TEXT NOT NULL,
    resident_id TEXT,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT,
    request_id TEXT,
    detail TEXT,
    at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_resident ON audit_log (resident_id, at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);

-- Erased residents keep a pseudonymous row so research counts stay possible.
ALTER TABLE users ADD COLUMN erased_at TIMESTAMP;

-- When a plan ended (retention runs from it), why (national outflow vocabulary), and the
-- evaluation arm it was assigned to.
ALTER TABLE plans ADD COLUMN closed_at TIMESTAMP;
ALTER TABLE plans ADD COLUMN outflow_reason TEXT;
ALTER TABLE plans ADD COLUMN arm TEXT NOT NULL DEFAULT 'dosed';
ALTER TABLE plans ADD COLUMN arm_randomised BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX plans_closed ON plans (closed_at);

-- How a team assigns new plans to evaluation arms: dosed, full_list or randomised.
ALTER TABLE teams ADD COLUMN arm_policy TEXT NOT NULL DEFAULT 'dosed';
