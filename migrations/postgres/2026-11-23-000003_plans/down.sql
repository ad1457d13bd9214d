DROP TABLE idempotency_keys;
DROP TABLE plan_events;
DROP TABLE steps;
DROP TABLE plans;
DROP TABLE templates;
