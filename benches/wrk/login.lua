-- POST /v1/auth/login as a random resident with the benchmark PIN.
dofile((os.getenv("BENCH_WRK") or "benches/wrk") .. "/status.lua")
local logins
function init(args)
  logins = read_lines("logins.txt")
  math.randomseed(os.time() + (tid or 0) * 7919)
end
request = function()
  local l = logins[math.random(#logins)]
  return wrk.format("POST", "/v1/auth/login", {["Content-Type"] = "application/json"},
    '{"username":"' .. l .. '","password":"482913"}')
end
