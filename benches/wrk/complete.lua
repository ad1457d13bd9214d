-- POST /v1/me/steps/{id}/complete: each thread walks its own share of the residents (random
-- order), completing each resident's current step once. When a thread runs out, it starts
-- again and those repeats answer 409 (counted apart), so keep runs short enough.
dofile((os.getenv("BENCH_WRK") or "benches/wrk") .. "/status.lua")
local mine = {}
local pos = 0
function init(args)
  local all = read_lines("complete.txt")
  local n = tonumber(os.getenv("WRK_THREADS") or "2")
  for i = 1, #all do
    if (i - 1) % n == tid then table.insert(mine, all[i]) end
  end
  math.randomseed(os.time() + tid * 7919)
  for i = #mine, 2, -1 do
    local j = math.random(i)
    mine[i], mine[j] = mine[j], mine[i]
  end
end
request = function()
  pos = pos + 1
  local line = mine[((pos - 1) % #mine) + 1]
  local token, step = line:match("^(%S+) (%S+)$")
  return wrk.format("POST", "/v1/me/steps/" .. step .. "/complete",
    {["Authorization"] = "Bearer " .. token, ["Idempotency-Key"] = "wrk-" .. tid .. "-" .. pos .. "-" .. step})
end
