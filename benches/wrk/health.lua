-- GET /health/live (the baseline).
dofile((os.getenv("BENCH_WRK") or "benches/wrk") .. "/status.lua")
request = function()
  return wrk.format("GET", "/health/live")
end
