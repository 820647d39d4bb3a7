-- strappend: append n short pieces to one string, hash every 97th byte.
-- Lua strings are immutable and `s = s .. t` copies s every time (quadratic:
-- hours at the default size), so this is what a Lua programmer writes: the
-- pieces go into a table that table.concat joins once.
local n = tonumber(arg and arg[1]) or 1000
local byte, fmt = string.byte, string.format
local pieces = {"a", "bc", "def", "ghij", "klmno", "pqrstu", "vwxyz01"}
local buf = {}
for i = 0, n - 1 do
  buf[#buf + 1] = pieces[(i % 7) + 1]
end
local s = table.concat(buf)
local h = 0
local len = #s
for i = 1, len, 97 do
  h = (h * 31 + byte(s, i)) % 1000000007
end
print(fmt("strappend(%d): length %d, hash %d", n, len, h))
