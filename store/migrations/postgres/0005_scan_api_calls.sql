-- Cloud API accounting per scan: calls, attempts, retries and throttled attempts per service
-- (a JSON object keyed by service name). Keep equivalent to migrations/sqlite/0005_scan_api_calls.sql.
ALTER TABLE scans ADD COLUMN api_calls JSONB;
