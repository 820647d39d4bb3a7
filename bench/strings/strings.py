# strings: build n short strings, join them, hash every byte.
import sys


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    parts = []
    for i in range(n):
        parts.append("<" + str(i) + ":" + str(i * 7 % 1000) + ">")
    s = ",".join(parts)
    b = s.encode()
    h = 0
    length = len(b)
    for i in range(length):
        h = (h * 31 + b[i]) % 1000000007
    print("strings(%d): length %d, hash %d" % (n, length, h))


main()
