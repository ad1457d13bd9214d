DROP TABLE refresh_tokens;
DROP TABLE activation_codes;
DROP TABLE team_members;
DROP TABLE users;
DROP TABLE teams;
