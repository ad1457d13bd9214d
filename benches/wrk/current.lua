-- GET /v1/me/steps/current as a random resident per request.
dofile((os.getenv("BENCH_WRK") or "benches/wrk") .. "/status.lua")
local tokens
function init(args)
  tokens = read_lines("tokens.txt")
  math.randomseed(os.time() + (tid or 0) * 7919)
end
request = function()
  local t = tokens[math.random(#tokens)]
  return wrk.format("GET", "/v1/me/steps/current", {["Authorization"] = "Bearer " .. t})
end
