CREATE TABLE service_info (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO service_info (key, value, updated_at) VALUES ('schema_family', 'stapvoorstap', '2026-11-23 00:00:00');
