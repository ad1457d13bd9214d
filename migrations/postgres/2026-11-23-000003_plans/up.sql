-- Versioned action-list templates; the full list is kept as JSON so plans keep their version.
CREATE TABLE templates (
    id TEXT PRIMARY KEY NOT NULL,
    key TEXT NOT NULL,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    content TEXT NOT NULL,
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (key, version)
);

CREATE TABLE plans (
    id TEXT PRIMARY KEY NOT NULL,
    resident_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    team_id TEXT NOT NULL REFERENCES teams (id),
    template_id TEXT NOT NULL REFERENCES templates (id),
    status TEXT NOT NULL,
    dose INTEGER NOT NULL,
    intake TEXT NOT NULL,
    lock_version INTEGER NOT NULL DEFAULT 0,
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    started_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX plans_resident ON plans (resident_id, status);
CREATE INDEX plans_team ON plans (team_id);

CREATE TABLE steps (
    id TEXT PRIMARY KEY NOT NULL,
    plan_id TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    item_key TEXT,
    category TEXT NOT NULL,
    category_order INTEGER NOT NULL,
    position INTEGER NOT NULL,
    title_nl TEXT NOT NULL,
    title_en TEXT NOT NULL,
    why_nl TEXT NOT NULL,
    why_en TEXT NOT NULL,
    description_nl TEXT NOT NULL,
    description_en TEXT NOT NULL,
    minutes INTEGER NOT NULL,
    owner_type TEXT NOT NULL,
    owner_user_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    priority TEXT NOT NULL,
    evidence TEXT NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT,
    depends_on TEXT NOT NULL,
    intake_done BOOLEAN NOT NULL,
    due_on DATE,
    help_requested_at TIMESTAMP,
    issued_at TIMESTAMP,
    completed_at TIMESTAMP,
    completed_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    completion_note TEXT,
    verified_at TIMESTAMP,
    verified_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX steps_plan_status ON steps (plan_id, status);
CREATE INDEX steps_owner_status ON steps (owner_user_id, status);

-- Append-only timeline per plan.
CREATE TABLE plan_events (
    id TEXT PRIMARY KEY NOT NULL,
    plan_id TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    step_id TEXT REFERENCES steps (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    actor_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    actor_role TEXT,
    occurred_at TIMESTAMP NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    detail TEXT
);
CREATE INDEX plan_events_plan ON plan_events (plan_id, recorded_at);

-- Answers to requests sent with an Idempotency-Key, so a retry gets the first answer.
CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    request TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, key)
);
