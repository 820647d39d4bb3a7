# loop: a tight integer loop (multiply, add, remainder).
import sys


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    s = 0
    for i in range(n):
        s = (s * 31 + i) % 1000000007
    print("loop(%d) = %d" % (n, s))


main()
