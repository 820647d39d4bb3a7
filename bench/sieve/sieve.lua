-- sieve: the sieve of Eratosthenes up to n over a bool array.
local n = tonumber(arg and arg[1]) or 1000
local composite = {}
for i = 0, n do composite[i] = false end
local count, sum = 0, 0
for i = 2, n do
  if not composite[i] then
    count = count + 1
    sum = sum + i
    for j = i * i, n, i do composite[j] = true end
  end
end
print(string.format("primes up to %d: %d, sum %d", n, count, sum))
