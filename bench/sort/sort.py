# sort: n pseudo-random ints (Park-Miller, all distinct) sorted largest
# first by the library's sort with a comparison function.
import functools
import sys


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    xs = []
    seed = 42
    for _ in range(n):
        seed = seed * 16807 % 2147483647
        xs.append(seed)
    xs.sort(key=functools.cmp_to_key(lambda x, y: (x < y) - (x > y)))
    bad = total = 0
    for i in range(n):
        if i > 0 and xs[i - 1] < xs[i]:
            bad += 1
        total += xs[i] * (i % 3 + 1)
    print("sorted %d: %d out of order, first %d, last %d, checksum %d"
          % (n, bad, xs[0], xs[n - 1], total))


main()
