-- strings: build n short strings, join them, hash every byte.
local n = tonumber(arg and arg[1]) or 1000
local byte, fmt = string.byte, string.format
local function str(v) return fmt("%d", v) end
local parts = {}
for i = 0, n - 1 do
  parts[#parts + 1] = "<" .. str(i) .. ":" .. str(i * 7 % 1000) .. ">"
end
local s = table.concat(parts, ",")
local h = 0
local len = #s
for i = 1, len do
  h = (h * 31 + byte(s, i)) % 1000000007
end
print(fmt("strings(%d): length %d, hash %d", n, len, h))
