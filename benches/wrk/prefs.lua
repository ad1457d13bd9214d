-- PUT /v1/me/notification-preferences as a random resident: one upsert of one small row in its
-- own transaction, the floor of an authenticated write (what a completion's 14 statements are
-- compared with).
dofile((os.getenv("BENCH_WRK") or "benches/wrk") .. "/status.lua")
local body = '{"enabled":true,"quiet_hours":"21:00-08:00","daily_cap":1,"weekly_cap":3,"timezone":"Europe/Amsterdam"}'
per_random_line("tokens.txt", function(t)
  return wrk.format("PUT", "/v1/me/notification-preferences",
    {["Authorization"] = "Bearer " .. t, ["Content-Type"] = "application/json"}, body)
end)
