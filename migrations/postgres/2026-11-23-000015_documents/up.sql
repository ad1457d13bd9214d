-- Documents a resident sent as evidence for a step. The blob itself is encrypted in the
-- document store under its own data key, kept here wrapped by a master key (`key_id`). No file
-- name is stored: a payslip's name may be personal.
CREATE TABLE documents (
    id TEXT PRIMARY KEY NOT NULL,
    plan_id TEXT NOT NULL REFERENCES plans (id),
    step_id TEXT NOT NULL REFERENCES steps (id),
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    key_id TEXT NOT NULL,
    wrapped_key TEXT NOT NULL,
    blob_key TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    review_reason TEXT,
    reviewed_by TEXT,
    reviewed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX documents_step ON documents (step_id, created_at);
CREATE INDEX documents_plan ON documents (plan_id, created_at);

-- Blobs to delete from the document store once the transaction that dropped their rows has
-- committed (erasure, retention, a resident's delete); retried until the store confirms.
CREATE TABLE blob_deletions (
    id TEXT PRIMARY KEY NOT NULL,
    blob_key TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX blob_deletions_due ON blob_deletions (next_attempt_at);
