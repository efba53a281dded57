-- One wrk script for every scenario: wrk -s scenario.lua URL -- KEY SCENARIO A B
--   getTicket  A=min id  B=max id       one getTicket of a random id
--   addTicket  A=project                one addTicket
--   getAll     A=project                Tickets.getAll of one project
--   batch      A=min id  B=max id       a batch of 100 getTicket
--   page       A=project B=max id       a 100-row page from a random cursor
--   echo       A=min id  B=max id       the getTicket body, for the echo baseline
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua"
local common = require("common")
local key, scenario, a, b
local headers

function init(args)
  key, scenario = args[1], args[2]
  a, b = tonumber(args[3] or "1"), tonumber(args[4] or "1")
  headers = {["x-api-key"] = key, ["content-type"] = "application/json"}
  math.randomseed(os.time() + math.floor(os.clock() * 1000000) + (tonumber(tostring({}):sub(8), 16) or 0))
end

local function get_ticket(id, n)
  return string.format(
    '{"jsonrpc":"2.0","id":%d,"method":"leantime.rpc.Tickets.getTicket","params":{"id":%d}}', n, id)
end

function request()
  local body
  if scenario == "getTicket" or scenario == "echo" then
    body = get_ticket(math.random(a, b), 1)
  elseif scenario == "addTicket" then
    body = string.format(
      '{"jsonrpc":"2.0","id":1,"method":"leantime.rpc.Tickets.addTicket","params":{"values":{"headline":"bench %d","projectId":%d}}}',
      math.random(1, 1000000000), a)
  elseif scenario == "getAll" then
    body = string.format(
      '{"jsonrpc":"2.0","id":1,"method":"leantime.rpc.Tickets.getAll","params":{"searchCriteria":{"currentProject":%d,"status":"all"}}}', a)
  elseif scenario == "batch" then
    local parts = {}
    for n = 1, 100 do parts[n] = get_ticket(math.random(a, b), n) end
    body = "[" .. table.concat(parts, ",") .. "]"
  elseif scenario == "page" then
    local cursor = common.b64url("mp1:" .. tostring(math.random(0, b)))
    body = string.format(
      '{"jsonrpc":"2.0","id":1,"method":"leantime.rpc.Tickets.getAll","params":{"searchCriteria":{"currentProject":%d,"status":"all"},"pageSize":100,"cursor":"%s"}}',
      a, cursor)
  end
  return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
  common.check(status, body)
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads or {}) do bad = bad + (thread:get("bad") or 0) end
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d errors=%d bad=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout,
    bad))
end

threads = {}
function setup(thread)
  table.insert(threads, thread)
end
