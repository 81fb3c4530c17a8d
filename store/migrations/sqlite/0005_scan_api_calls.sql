-- Cloud API accounting per scan: calls, attempts, retries and throttled attempts per service
-- (a JSON object keyed by service name). Keep equivalent to migrations/postgres/0005_scan_api_calls.sql.
ALTER TABLE scans ADD COLUMN api_calls TEXT CHECK (api_calls IS NULL OR json_valid(api_calls));
