# dispatch: method calls over four classes mixed in one list.
import sys


class Circle:
    __slots__ = ("r",)

    def __init__(self, r):
        self.r = r

    def area(self):
        return 3 * self.r * self.r


class Rect:
    __slots__ = ("w", "h")

    def __init__(self, w, h):
        self.w = w
        self.h = h

    def area(self):
        return self.w * self.h


class Square:
    __slots__ = ("s",)

    def __init__(self, s):
        self.s = s

    def area(self):
        return self.s * self.s


class Triangle:
    __slots__ = ("b", "h")

    def __init__(self, b, h):
        self.b = b
        self.h = h

    def area(self):
        return self.b * self.h + self.b


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    shapes = []
    for i in range(1000):
        d = i % 10 + 1
        kind = i % 4
        if kind == 0:
            shapes.append(Circle(d))
        elif kind == 1:
            shapes.append(Rect(d, d + 1))
        elif kind == 2:
            shapes.append(Square(d))
        else:
            shapes.append(Triangle(d, d + 2))
    total = 0
    for _ in range(n):
        for s in shapes:
            total += s.area()
    print("dispatch(%d) = %d" % (n, total))


main()
