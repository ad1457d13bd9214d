-- The resident's hot read (GET /v1/me/steps/current) needs the progress columns of every step
-- of a plan, in plan order: ordered by the key, the rest carried along for index-only scans.
CREATE INDEX steps_progress ON steps (plan_id, position, id)
    INCLUDE (category, category_order, owner_type, status, intake_done, completed_at, gates);
