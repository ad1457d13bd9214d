-- GET /v1/me (two primary-key lookups) as a random resident: the floor of an authenticated read.
dofile((os.getenv("BENCH_WRK") or "benches/wrk") .. "/status.lua")
local tokens
function init(args)
  tokens = read_lines("tokens.txt")
  math.randomseed(os.time() + (tid or 0) * 7919)
end
request = function()
  local t = tokens[math.random(#tokens)]
  return wrk.format("GET", "/v1/me", {["Authorization"] = "Bearer " .. t})
end
