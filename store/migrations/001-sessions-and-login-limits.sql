-- Status page sessions that were signed out before their cookie expires. The id is stored
-- hashed: the table alone cannot be used to name a live session.
CREATE TABLE revoked_sessions (
  session_hash text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX revoked_sessions_expires_at ON revoked_sessions (expires_at);

-- Fixed-window counters (e.g. sign-in attempts per address and per hashed token).
CREATE TABLE rate_limits (
  key text PRIMARY KEY,
  hits integer NOT NULL,
  window_ends_at timestamptz NOT NULL
);
CREATE INDEX rate_limits_window_ends_at ON rate_limits (window_ends_at);
