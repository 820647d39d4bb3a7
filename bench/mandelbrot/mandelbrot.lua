-- mandelbrot: escape-time iteration over an n x n grid (float arithmetic).
local n = tonumber(arg and arg[1]) or 200
local inside, steps = 0, 0
for y = 0, n - 1 do
  local ci = 2.0 * y / n - 1.0
  for x = 0, n - 1 do
    local cr = 2.0 * x / n - 1.5
    local zr, zi, tr, ti = 0.0, 0.0, 0.0, 0.0
    local i = 0
    while i < 50 and tr + ti <= 4.0 do
      zi = 2.0 * zr * zi + ci
      zr = tr - ti + cr
      tr = zr * zr
      ti = zi * zi
      i = i + 1
    end
    if tr + ti <= 4.0 then inside = inside + 1 end
    steps = steps + i
  end
end
print(string.format("mandelbrot(%d): inside %d, steps %d", n, inside, steps))
