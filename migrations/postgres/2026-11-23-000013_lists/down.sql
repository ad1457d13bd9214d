DROP INDEX notifications_plan_created;
DROP INDEX plan_events_plan_recorded;
DROP INDEX audit_log_at;
DROP INDEX users_name;
