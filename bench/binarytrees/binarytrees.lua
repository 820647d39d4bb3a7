-- binarytrees: allocate and walk many short-lived binary trees (GC).
local function make(depth)
  if depth == 0 then return { false, false } end
  return { make(depth - 1), make(depth - 1) }
end

local function check(t)
  if not t[1] then return 1 end
  return 1 + check(t[1]) + check(t[2])
end

local n = tonumber(arg and arg[1]) or 6
local min_depth = 4
local max_depth = n
if min_depth + 2 > n then max_depth = min_depth + 2 end
local stretch = max_depth + 1
print(string.format("stretch tree of depth %d check: %d", stretch, check(make(stretch))))
local long_lived = make(max_depth)
for d = min_depth, max_depth, 2 do
  local iterations = 1
  for _ = 1, max_depth - d + min_depth do iterations = iterations * 2 end
  local sum = 0
  for _ = 1, iterations do sum = sum + check(make(d)) end
  print(string.format("%d trees of depth %d check: %d", iterations, d, sum))
end
print(string.format("long lived tree of depth %d check: %d", max_depth, check(long_lived)))
