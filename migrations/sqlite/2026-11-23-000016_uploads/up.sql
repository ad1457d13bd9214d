-- Resumable uploads (tus 1.0): a file a resident sends in pieces, for one of their steps. The
-- pieces received so far lie encrypted in the document store under `uploads/<id>/`, each under
-- the upload's own data key (kept here wrapped by the master key). When the last byte arrives
-- the whole file goes through the same checks as a direct upload and becomes a document; the
-- upload row stays until it expires (so a retry can learn the document id) and is then pruned.
-- No file name is stored (tus `Upload-Metadata` is not kept).
CREATE TABLE uploads (
    id TEXT PRIMARY KEY NOT NULL,
    resident_id TEXT NOT NULL REFERENCES users (id),
    plan_id TEXT NOT NULL REFERENCES plans (id),
    step_id TEXT NOT NULL REFERENCES steps (id),
    upload_length BIGINT NOT NULL,
    upload_offset BIGINT NOT NULL,
    key_id TEXT NOT NULL,
    wrapped_key TEXT NOT NULL,
    document_id TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX uploads_plan ON uploads (plan_id);
CREATE INDEX uploads_expires ON uploads (expires_at);

-- The pieces of an upload, in order: each starts where the one before ended.
CREATE TABLE upload_parts (
    upload_id TEXT NOT NULL REFERENCES uploads (id),
    start_offset BIGINT NOT NULL,
    size_bytes BIGINT NOT NULL,
    blob_key TEXT NOT NULL,
    PRIMARY KEY (upload_id, start_offset)
);
