-- The gateways' shared store (sessions, sign-in limits; docs/storage.md), apart from Temporal's
-- databases. Runs once, when the volume is first initialised; on an older volume run
-- `docker compose exec postgresql createdb -U temporal lockout`. The gateway creates its tables.
CREATE DATABASE lockout;
