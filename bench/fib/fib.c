/* fib: recursive Fibonacci; measures function calls and returns. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

static int64_t fib(int64_t n) {
    if (n < 2) return n;
    return fib(n - 1) + fib(n - 2);
}

int main(int argc, char **argv) {
    int64_t n = argc > 1 ? atoll(argv[1]) : 20;
    printf("fib(%lld) = %lld\n", (long long)n, (long long)fib(n));
    return 0;
}
