-- The resident's current plan is the newest of their plans that is still running
-- (GET /v1/me/steps/current, completions). With (resident_id, status) the three status values
-- became three index searches and a sort on every read; ordered by creation time the newest
-- plan is the first row of one index range, the status checked on the row (a resident has a
-- handful of plans at most). Serves every other lookup by resident as well.
DROP INDEX plans_resident;
CREATE INDEX plans_resident_newest ON plans (resident_id, created_at);
