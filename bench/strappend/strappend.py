# strappend: append n short pieces to one string with +=, hash every 97th byte.
# CPython appends in place when the string has no other reference.
import sys


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    pieces = ["a", "bc", "def", "ghij", "klmno", "pqrstu", "vwxyz01"]
    s = ""
    for i in range(n):
        s += pieces[i % 7]
    b = s.encode()
    h = 0
    length = len(b)
    for i in range(0, length, 97):
        h = (h * 31 + b[i]) % 1000000007
    print("strappend(%d): length %d, hash %d" % (n, length, h))


main()
