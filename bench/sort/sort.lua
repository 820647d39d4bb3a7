-- sort: n pseudo-random ints (Park-Miller, all distinct) sorted largest
-- first by the library's sort (table.sort) with a comparison function.
local n = tonumber(arg and arg[1]) or 1000
local xs = {}
local seed = 42
for i = 1, n do
  seed = seed * 16807 % 2147483647
  xs[i] = seed
end
table.sort(xs, function(x, y) return x > y end)
local bad, sum = 0, 0
for i = 1, n do
  if i > 1 and xs[i - 1] < xs[i] then bad = bad + 1 end
  sum = sum + xs[i] * ((i - 1) % 3 + 1)
end
print(string.format("sorted %d: %d out of order, first %d, last %d, checksum %d",
  n, bad, xs[1], xs[n], sum))
