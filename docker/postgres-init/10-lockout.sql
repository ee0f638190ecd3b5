-- The shared store of workers and gateways (docs/storage.md), apart from Temporal's
-- databases. Runs once, when the volume is first initialised; on an older volume run
-- `docker compose exec postgresql createdb -U temporal lockout`. Workers and gateways create
-- the tables.
CREATE DATABASE lockout;
