DROP INDEX steps_progress;
