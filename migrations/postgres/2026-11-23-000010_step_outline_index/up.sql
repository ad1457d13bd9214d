-- A completion needs the progress columns of every step of the plan (milestones before and
-- after) and the dosing columns (which steps open next): with the dosing columns included,
-- one index-only scan serves both (issue 7, docs/benchmarks.md).
DROP INDEX steps_progress;
CREATE INDEX steps_progress ON steps (plan_id, position, id)
    INCLUDE (category, category_order, owner_type, status, intake_done, completed_at, gates,
             priority, depends_on, snoozed_until);
