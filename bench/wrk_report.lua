-- wrk script for bench/serve_bench.py: counts status codes per thread and writes a JSON summary to
-- $WRK_JSON in done(). Optional POST mode (S5) when $WRK_POST_CFG is set:
-- each line of that file is "<cookie header>\t<csrf token>", requests rotate
-- over those sessions, and every body is unique (no double-post rejection).
local threads = {}
local counter = 1

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local post_cfg = os.getenv("WRK_POST_CFG")
local post_path = os.getenv("WRK_POST_PATH")
local post_field = os.getenv("WRK_POST_FIELD") or "comment"
local token_field = os.getenv("WRK_TOKEN_FIELD") or "csrfmiddlewaretoken"
local post_extra = os.getenv("WRK_POST_EXTRA") or ""  -- urlencoded fixed fields, e.g. "subject=Re%3A+x"
local sessions = {}

local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  codes = {}
  n = 0
  if post_cfg then
    for line in io.lines(post_cfg) do
      local cookie, token = line:match("^(.-)\t(.*)$")
      if cookie then table.insert(sessions, {cookie, token}) end
    end
  end
end

if post_cfg then
  request = function()
    n = n + 1
    local s = sessions[(n % #sessions) + 1]
    local text = string.format("Benchmark reply %d-%d.\n\nThis is a **load test** reply with a [link](https://example.com/%d) " ..
      "and some `inline code`. Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor " ..
      "incididunt ut labore et dolore magna aliqua.\n\n- one\n- two\n- three", tid, n, n)
    local body = token_field .. "=" .. urlencode(s[2]) .. "&" .. post_field .. "=" .. urlencode(text)
    if post_extra ~= "" then body = body .. "&" .. post_extra end
    return wrk.format("POST", post_path, {
      ["Cookie"] = s[1],
      ["Content-Type"] = "application/x-www-form-urlencoded",
    }, body)
  end
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
end

function done(summary, latency, requests)
  local all = {}
  for _, t in ipairs(threads) do
    local c = t:get("codes")
    for k, v in pairs(c) do all[k] = (all[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(all) do table.insert(parts, string.format('"%d":%d', k, v)) end
  local e = summary.errors
  local out = string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},"codes":{%s}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    table.concat(parts, ","))
  local path = os.getenv("WRK_JSON")
  if path then
    local f = io.open(path, "w"); f:write(out); f:close()
  end
  io.write(out)
end
