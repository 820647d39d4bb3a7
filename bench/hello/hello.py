# hello: print a greeting n times; measures start-up.
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1
for _ in range(n):
    print("Hello, world!")
