# binarytrees: allocate and walk many short-lived binary trees (GC).
import sys


class Node:
    __slots__ = ("left", "right")

    def __init__(self, left, right):
        self.left = left
        self.right = right


def make(depth):
    if depth == 0:
        return Node(None, None)
    return Node(make(depth - 1), make(depth - 1))


def check(t):
    if t.left is None:
        return 1
    return 1 + check(t.left) + check(t.right)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    min_depth = 4
    max_depth = n
    if min_depth + 2 > n:
        max_depth = min_depth + 2
    stretch = max_depth + 1
    print("stretch tree of depth %d check: %d" % (stretch, check(make(stretch))))
    long_lived = make(max_depth)
    for d in range(min_depth, max_depth + 1, 2):
        iterations = 1
        for _ in range(max_depth - d + min_depth):
            iterations *= 2
        total = 0
        for _ in range(iterations):
            total += check(make(d))
        print("%d trees of depth %d check: %d" % (iterations, d, total))
    print("long lived tree of depth %d check: %d" % (max_depth, check(long_lived)))


main()
