-- GET /v1/me/steps/current as a random resident per request.
dofile((os.getenv("BENCH_WRK") or "benches/wrk") .. "/status.lua")
per_random_line("tokens.txt", function(t)
  return wrk.format("GET", "/v1/me/steps/current", {["Authorization"] = "Bearer " .. t})
end)
