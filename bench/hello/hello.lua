-- hello: print a greeting n times; measures start-up.
local n = tonumber(arg and arg[1]) or 1
for _ = 1, n do print("Hello, world!") end
