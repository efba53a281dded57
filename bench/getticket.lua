-- wrk script: POST leantime.rpc.Tickets.getTicket for a random id in [1, MAX_ID].
-- Usage: wrk -s getticket.lua URL -- KEY MAX_ID
local key, max_id
function init(args)
  key = args[1]
  max_id = tonumber(args[2] or "300")
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end
function request()
  local body = string.format(
    '{"jsonrpc":"2.0","id":1,"method":"leantime.rpc.Tickets.getTicket","params":{"id":%d}}',
    math.random(1, max_id))
  return wrk.format("POST", nil, {["x-api-key"] = key, ["content-type"] = "application/json"}, body)
end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"result":{', 1, true) then
    wrk.thread:set("bad", (wrk.thread:get("bad") or 0) + 1)
  end
end
