-- Keyset pagination (issue 16): each list reads its page in index order, from the cursor's
-- key on, instead of sorting the whole list for every page.
CREATE INDEX users_name ON users (display_name, id);
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX plan_events_plan_recorded ON plan_events (plan_id, recorded_at, id);
CREATE INDEX notifications_plan_created ON notifications (plan_id, created_at, id);
