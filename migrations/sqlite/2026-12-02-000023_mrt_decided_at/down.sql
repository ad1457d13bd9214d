DROP INDEX mrt_decisions_decided_at;
