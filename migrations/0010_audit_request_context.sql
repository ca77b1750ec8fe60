-- Which request made a change and from where: the server-minted request id (also returned to the
-- caller as x-request-id) and the caller's address (X-Forwarded-For only from TRUSTED_PROXIES).
-- Null for rows written before this migration and for changes made inside the server (demo seed).
ALTER TABLE audit_log
  ADD COLUMN request_id text,
  ADD COLUMN source_address text;
