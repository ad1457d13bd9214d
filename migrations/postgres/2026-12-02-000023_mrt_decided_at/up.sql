-- The simulator (and any reader by time) reads each hour's decision points.
CREATE INDEX mrt_decisions_decided_at ON mrt_decisions (decided_at);
