-- Shared by the wrk scripts: per-thread status counters, summed and printed in done().
-- Every script sets `request` itself (or through per_random_line below); this file counts answers.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

c2xx, c409, c429, c503, c5xx, cother = 0, 0, 0, 0, 0, 0

function response(status, headers, body)
  if status >= 200 and status < 300 then c2xx = c2xx + 1
  elseif status == 409 then c409 = c409 + 1
  elseif status == 429 then c429 = c429 + 1
  elseif status == 503 then c503 = c503 + 1
  elseif status >= 500 then c5xx = c5xx + 1
  else cother = cother + 1 end
end

function done(summary, latency, requests)
  local t = {c2xx = 0, c409 = 0, c429 = 0, c503 = 0, c5xx = 0, cother = 0}
  for _, th in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + (th:get(k) or 0) end
  end
  local secs = summary.duration / 1e6
  io.write(string.format(
    "WRK requests=%d rps=%.0f ok_rps=%.0f s2xx=%d s409=%d s429=%d s503=%d s5xx_other=%d other=%d socket_errors=%d p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, summary.requests / secs, t.c2xx / secs, t.c2xx, t.c409, t.c429, t.c503, t.c5xx, t.cother,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end

function read_lines(name)
  local dir = os.getenv("BENCH_DIR") or "."
  local lines = {}
  for line in io.lines(dir .. "/" .. name) do
    if #line > 0 then table.insert(lines, line) end
  end
  return lines
end

-- Sets `init` and `request` for a script that sends one request per random line of `file` (an
-- access token or a login name); `build(line)` returns that request.
function per_random_line(file, build)
  local lines
  init = function(args)
    lines = read_lines(file)
    math.randomseed(os.time() + (tid or 0) * 7919)
  end
  request = function()
    return build(lines[math.random(#lines)])
  end
end
