-- loop: a tight integer loop (multiply, add, remainder).
-- Values stay below 2^53, so LuaJIT's doubles give the same result.
local n = tonumber(arg and arg[1]) or 1000
local s = 0
for i = 0, n - 1 do
  s = (s * 31 + i) % 1000000007
end
print(string.format("loop(%d) = %d", n, s))
