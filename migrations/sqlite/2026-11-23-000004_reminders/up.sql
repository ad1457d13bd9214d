-- Installed apps that can receive pushes: one FCM registration token each.
CREATE TABLE devices (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id TEXT,
    token TEXT NOT NULL UNIQUE,
    platform TEXT NOT NULL,
    locale TEXT,
    app_version TEXT,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX devices_user ON devices (user_id);

CREATE TABLE notification_preferences (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    enabled BOOLEAN NOT NULL,
    quiet_start TEXT NOT NULL,
    quiet_end TEXT NOT NULL,
    daily_cap INTEGER NOT NULL,
    weekly_cap INTEGER NOT NULL,
    timezone TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The reminder outbox: one row per reminder, sent once by whichever instance holds its lease.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    plan_id TEXT REFERENCES plans (id) ON DELETE CASCADE,
    step_id TEXT REFERENCES steps (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    crisis BOOLEAN NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    due_at TIMESTAMP NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until TIMESTAMP,
    last_error TEXT,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX notifications_due ON notifications (state, next_attempt_at);
CREATE INDEX notifications_user_sent ON notifications (user_id, sent_at);
CREATE INDEX notifications_step ON notifications (step_id, state);
CREATE INDEX notifications_plan ON notifications (plan_id, created_at);

-- Inactivity ladder per plan: checked when next_check_at comes, so a scheduler tick costs
-- what is due, not the number of plans.
ALTER TABLE plans ADD COLUMN last_activity_at TIMESTAMP;
ALTER TABLE plans ADD COLUMN next_check_at TIMESTAMP;
ALTER TABLE plans ADD COLUMN inactivity_stage TEXT NOT NULL DEFAULT 'active';
ALTER TABLE plans ADD COLUMN escalated_at TIMESTAMP;
ALTER TABLE plans ADD COLUMN at_risk_at TIMESTAMP;
CREATE INDEX plans_next_check ON plans (next_check_at);
