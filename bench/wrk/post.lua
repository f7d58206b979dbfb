-- wrk script: POST one fixed body and count answers that are errors in disguise.
--
-- Moodle's REST protocol answers errors with HTTP 200, so wrk's own non-2xx count is not
-- enough: a response whose body mentions "errorcode" is counted as a failure too.
-- Configured from the environment (set by bench/run.py):
--   WRK_BODY           the request body
--   WRK_CONTENT_TYPE   its Content-Type
--   WRK_AUTHORIZATION  optional Authorization header value
-- done() prints one line "BENCHJSON {...}" that bench/run.py parses.

wrk.method = "POST"
wrk.body = os.getenv("WRK_BODY") or ""
wrk.headers["Content-Type"] = os.getenv("WRK_CONTENT_TYPE") or "application/x-www-form-urlencoded"
local auth = os.getenv("WRK_AUTHORIZATION")
if auth and auth ~= "" then
  wrk.headers["Authorization"] = auth
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
end

function response(status, headers, body)
  if status ~= 200 or string.find(body, "errorcode", 1, true) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local bad_total = 0
  for _, thread in ipairs(threads) do
    bad_total = bad_total + (thread:get("bad") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests": %d, "duration_us": %d, "bytes": %d, "bad": %d, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "status_errors": %d, ' ..
    '"timeouts": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, bad_total,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
end
