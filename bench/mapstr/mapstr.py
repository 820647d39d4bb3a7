# mapstr: a hash map with string keys (a dict).
import sys


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rng = 4 * n
    m = {}
    x = 1
    for _ in range(n):
        x = x * 16807 % 2147483647
        k = "key" + str(x % rng)
        m[k] = m.get(k, 0) + 1
    hits = total = 0
    for _ in range(n):
        x = x * 16807 % 2147483647
        v = m.get("key" + str(x % rng), 0)
        if v > 0:
            hits += 1
        total += v
    print("mapstr(%d): size %d, hits %d, sum %d" % (n, len(m), hits, total))


main()
