-- POST /api/v1/partner/redemptions of 1 yen, cycling through the voucher codes in $CODES_FILE
-- (one per line) with the partner bearer token in $PARTNER_TOKEN. A file with one code = one hot
-- voucher; a file with many = each in-flight request on a different voucher: thread t of
-- $WRK_THREADS takes codes t+1, t+1+T, ... so threads never share a code, and within a thread the
-- connections step through its codes in turn. No Idempotency-Key.
dofile((os.getenv("BENCH_LUA") or "bench/lua") .. "/report.lua")

local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

function init(args)
  local all = {}
  for line in io.lines(os.getenv("CODES_FILE")) do
    if #line > 0 then all[#all + 1] = line end
  end
  local threads = tonumber(os.getenv("WRK_THREADS") or "1")
  codes = {}
  for k = 1, #all do
    if #all < threads or (k - 1) % threads == tid then codes[#codes + 1] = all[k] end
  end
  token = os.getenv("PARTNER_TOKEN")
  i = 0
end

function request()
  i = i + 1
  local code = codes[(i % #codes) + 1]
  return wrk.format("POST", "/api/v1/partner/redemptions",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token },
    '{"voucher_code":"' .. code .. '","amount":1}')
end

done = report
