-- POST /api/v1/donations: a general (no gift) donation of 5,000 yen from a non-resident (Osaka).
-- No Idempotency-Key, so every request creates a new pending donation.
dofile((os.getenv("BENCH_LUA") or "bench/lua") .. "/report.lua")
wrk.method = "POST"
wrk.path = "/api/v1/donations"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open((os.getenv("BENCH_LUA") or "bench/lua") .. "/../donation.json"))
wrk.body = f:read("*a"):gsub("%s+$", "")
f:close()
done = report
