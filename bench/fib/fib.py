# fib: recursive Fibonacci; measures function calls and returns.
import sys


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    print("fib(%d) = %d" % (n, fib(n)))


main()
