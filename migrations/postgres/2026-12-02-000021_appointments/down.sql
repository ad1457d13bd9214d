ALTER TABLE teams DROP COLUMN contact_hours;
ALTER TABLE teams DROP COLUMN contact_email;
ALTER TABLE teams DROP COLUMN contact_phone;
DROP TABLE appointments;
