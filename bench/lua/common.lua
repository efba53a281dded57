-- Shared by the scenario scripts: counting answers that are not JSON-RPC successes.
local common = {}

function common.check(status, body)
  if status ~= 200 or string.find(body, '"error":', 1, true) then
    wrk.thread:set("bad", (wrk.thread:get("bad") or 0) + 1)
  end
end

local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
function common.b64url(data)
  return ((data:gsub('.', function(x)
    local r, b = '', x:byte()
    for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and '1' or '0') end
    return r
  end) .. '0000'):gsub('%d%d%d?%d?%d?%d?', function(x)
    if #x < 6 then return '' end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == '1' and 2 ^ (6 - i) or 0) end
    return alphabet:sub(c + 1, c + 1)
  end))
end

return common
