-- "Wanneer doe je dit?": the resident's own moment for a step.
ALTER TABLE steps ADD COLUMN intention_on DATE;
ALTER TABLE steps ADD COLUMN intention_part TEXT;
ALTER TABLE steps ADD COLUMN intention_time TEXT;
-- "Niet nu": snoozed until a date, with a reason the caseworker sees.
ALTER TABLE steps ADD COLUMN snoozed_until DATE;
ALTER TABLE steps ADD COLUMN snooze_reason TEXT;
ALTER TABLE steps ADD COLUMN snooze_note TEXT;
-- Crisis fast lane: when a crisis was reported for this step (Wgs three-working-day clock).
ALTER TABLE steps ADD COLUMN crisis_reported_at TIMESTAMP;
-- Exit criteria (E1–E8) the step counts towards, as a JSON array.
ALTER TABLE steps ADD COLUMN gates TEXT NOT NULL DEFAULT '[]';
CREATE INDEX steps_snoozed ON steps (snoozed_until);

-- Mood after a step and the monthly working-alliance question.
CREATE TABLE pulses (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    plan_id TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    step_id TEXT REFERENCES steps (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    score INTEGER NOT NULL,
    period TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX pulses_plan ON pulses (plan_id, kind, created_at);
CREATE UNIQUE INDEX pulses_once ON pulses (user_id, kind, period);
