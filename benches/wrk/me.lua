-- GET /v1/me (two primary-key lookups) as a random resident: the floor of an authenticated read.
dofile((os.getenv("BENCH_WRK") or "benches/wrk") .. "/status.lua")
per_random_line("tokens.txt", function(t)
  return wrk.format("GET", "/v1/me", {["Authorization"] = "Bearer " .. t})
end)
