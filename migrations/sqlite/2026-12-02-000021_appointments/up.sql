-- Appointments a caseworker plans with a resident (issue 22). `starts_at` is the UTC instant;
-- the API shows it in the resident's time zone. `step_ids` is a JSON array of step ids of the
-- same plan. Free text (`place`, `bring`, reasons) is personal and goes with an erasure.
CREATE TABLE appointments (
    id TEXT PRIMARY KEY NOT NULL,
    plan_id TEXT NOT NULL REFERENCES plans (id),
    resident_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    duration_minutes INTEGER NOT NULL,
    kind TEXT NOT NULL,
    place TEXT,
    with_user_id TEXT,
    bring TEXT,
    step_ids TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'planned',
    status_reason TEXT,
    confirmed_at TIMESTAMP,
    move_requested_at TIMESTAMP,
    move_request_reason TEXT,
    moved_count INTEGER NOT NULL DEFAULT 0,
    outcome_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX appointments_plan ON appointments (plan_id, starts_at, id);
CREATE INDEX appointments_resident ON appointments (resident_id, starts_at);
CREATE INDEX appointments_team_status ON appointments (team_id, status, starts_at);

-- How residents reach their team ("what happens next"), as the team set it.
ALTER TABLE teams ADD COLUMN contact_phone TEXT;
ALTER TABLE teams ADD COLUMN contact_email TEXT;
ALTER TABLE teams ADD COLUMN contact_hours TEXT;
