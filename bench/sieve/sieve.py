# sieve: the sieve of Eratosthenes up to n over a bool array.
import sys


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    composite = [False] * (n + 1)
    count = total = 0
    for i in range(2, n + 1):
        if not composite[i]:
            count += 1
            total += i
            j = i * i
            while j <= n:
                composite[j] = True
                j += i
    print("primes up to %d: %d, sum %d" % (n, count, total))


main()
