-- Sessions of the web dashboard (/ui). The page exchanges an API token for an HttpOnly cookie once;
-- the cookie's secret is stored only as its sha256, and the session keeps the hash of the token it
-- came from, so every request re-checks that token: revoking it ends its sessions at once.
CREATE TABLE dashboard_sessions (
  -- sha256 hex of the cookie's secret.
  id text PRIMARY KEY,
  -- sha256 hex of the API token signed in with (api_tokens.token_hash, or the bootstrap admin token's).
  token_hash text NOT NULL,
  -- Sent back by the page in x-csrf-token on every mutation; a cross-site form cannot read it.
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX dashboard_sessions_expires_at_idx ON dashboard_sessions (expires_at);
