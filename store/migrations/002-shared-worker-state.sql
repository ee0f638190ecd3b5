-- State that every worker and gateway replica must agree on (docs/storage.md).

-- Messages a provider accepted, by idempotency key, and sends in progress. A send first claims
-- its key (holder + lease); a second attempt finding a live claim waits instead of sending, one
-- finding an acceptance returns it. A claim whose holder died runs out and can be taken over.
CREATE TABLE sent_messages (
  key text PRIMARY KEY,
  holder text,
  claimed_until timestamptz,
  message_id text,
  detail text,
  accepted_at timestamptz
);

-- Messages of channels without credentials: kept here so that any replica's outbox is one outbox.
CREATE TABLE outbox (
  key text PRIMARY KEY,
  channel text NOT NULL,
  incident_id text NOT NULL,
  record jsonb NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_incident ON outbox (incident_id);

-- HMAC signatures of alerts already counted, until their timestamp leaves the replay window.
CREATE TABLE alert_signatures (
  signature text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX alert_signatures_expires_at ON alert_signatures (expires_at);

-- The published journey modes, one row per switched journey (unlisted journeys are normal).
CREATE TABLE journey_modes (
  journey text PRIMARY KEY,
  state jsonb NOT NULL,
  updated_at timestamptz NOT NULL
);

-- Salesforce's org-wide limits, shared by every worker: the daily API usage as Salesforce last
-- reported it, and one row per request in flight (its slot), so that all workers together stay
-- under the org's concurrent long-request limit. A slot of a killed worker runs out by itself.
CREATE TABLE salesforce_api_usage (
  org text PRIMARY KEY,
  used integer NOT NULL,
  lim integer NOT NULL,
  reported_at timestamptz NOT NULL
);
CREATE TABLE salesforce_slots (
  org text NOT NULL,
  slot integer NOT NULL,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (org, slot)
);
