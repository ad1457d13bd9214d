DROP TABLE mrt_decisions;
