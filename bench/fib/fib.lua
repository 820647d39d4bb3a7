-- fib: recursive Fibonacci; measures function calls and returns.
local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

local n = tonumber(arg and arg[1]) or 20
print(string.format("fib(%d) = %d", n, fib(n)))
