-- Idempotency-Key answers replay the entity tag of the first answer, and are pruned by age.
ALTER TABLE idempotency_keys ADD COLUMN etag TEXT;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
