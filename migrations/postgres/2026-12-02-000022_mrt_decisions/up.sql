-- One row per micro-randomised decision point of a reminder to a resident (the unit of analysis
-- of the trial, docs/metrics.md): when the dispatcher reached the decision, whether the
-- resident was available for randomisation (and why not), the probability and the draw. Kept
-- apart from the reminders themselves, which are operational rows; it names the plan only
-- (the export pseudonymises it), never the resident or a device.
CREATE TABLE mrt_decisions (
    notification_id TEXT PRIMARY KEY NOT NULL,
    plan_id TEXT NOT NULL REFERENCES plans (id),
    kind TEXT NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    available BOOLEAN NOT NULL,
    unavailable_reason TEXT,
    probability DOUBLE PRECISION,
    send BOOLEAN
);
CREATE INDEX mrt_decisions_plan ON mrt_decisions (plan_id, decided_at);
