DROP INDEX steps_progress;
CREATE INDEX steps_progress ON steps (plan_id, position, id)
    INCLUDE (category, category_order, owner_type, status, intake_done, completed_at, gates);
