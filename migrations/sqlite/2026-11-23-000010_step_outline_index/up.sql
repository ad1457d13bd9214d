-- A completion needs the progress columns of every step of the plan (milestones before and
-- after) and the dosing columns (which steps open next). With the dosing columns in the
-- covering index both come from one read of a few index pages: before, the dosing read went
-- to the steps' full rows (about 1 KB of text each) and was the costliest statement of a
-- completion (issue 7, docs/benchmarks.md).
DROP INDEX steps_progress;
CREATE INDEX steps_progress ON steps (
    plan_id, position, id, category, category_order, owner_type, status, intake_done,
    completed_at, gates, priority, depends_on, snoozed_until
);
