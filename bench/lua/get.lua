-- Plain GET of the URL given on the wrk command line (headers via -H), with the shared report.
dofile((os.getenv("BENCH_LUA") or "bench/lua") .. "/report.lua")
done = report
