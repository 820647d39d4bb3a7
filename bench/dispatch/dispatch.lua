-- dispatch: method calls through metatables over four "classes" mixed in
-- one array.
local function class()
  local c = {}
  c.__index = c
  return c
end

local Circle, Rect, Square, Triangle = class(), class(), class(), class()
function Circle:area() return 3 * self.r * self.r end
function Rect:area() return self.w * self.h end
function Square:area() return self.s * self.s end
function Triangle:area() return self.b * self.h + self.b end

local n = tonumber(arg and arg[1]) or 10
local shapes = {}
for i = 0, 999 do
  local d = i % 10 + 1
  local kind = i % 4
  local s
  if kind == 0 then
    s = setmetatable({ r = d }, Circle)
  elseif kind == 1 then
    s = setmetatable({ w = d, h = d + 1 }, Rect)
  elseif kind == 2 then
    s = setmetatable({ s = d }, Square)
  else
    s = setmetatable({ b = d, h = d + 2 }, Triangle)
  end
  shapes[#shapes + 1] = s
end
local total = 0
for _ = 1, n do
  for i = 1, #shapes do total = total + shapes[i]:area() end
end
print(string.format("dispatch(%d) = %d", n, total))
