-- POST /v1/auth/login as a random resident with the benchmark PIN.
dofile((os.getenv("BENCH_WRK") or "benches/wrk") .. "/status.lua")
per_random_line("logins.txt", function(l)
  return wrk.format("POST", "/v1/auth/login", {["Content-Type"] = "application/json"},
    '{"username":"' .. l .. '","password":"482913"}')
end)
