-- mapstr: a hash map with string keys (a Lua table).
local n = tonumber(arg and arg[1]) or 1000
local fmt = string.format
local range = 4 * n
local m = {}
local size = 0
local x = 1
for _ = 1, n do
  x = x * 16807 % 2147483647
  local k = "key" .. fmt("%d", x % range)
  local old = m[k]
  if old == nil then size = size + 1; old = 0 end
  m[k] = old + 1
end
local hits, sum = 0, 0
for _ = 1, n do
  x = x * 16807 % 2147483647
  local v = m["key" .. fmt("%d", x % range)] or 0
  if v > 0 then hits = hits + 1 end
  sum = sum + v
end
print(fmt("mapstr(%d): size %d, hits %d, sum %d", n, size, hits, sum))
