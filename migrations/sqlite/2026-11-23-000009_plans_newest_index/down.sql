DROP INDEX plans_resident_newest;
CREATE INDEX plans_resident ON plans (resident_id, status);
