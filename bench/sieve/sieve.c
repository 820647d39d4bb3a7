/* sieve: the sieve of Eratosthenes up to n over a bool array. */
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000;
    bool *composite = calloc(n + 1, sizeof(bool));
    long count = 0, sum = 0;
    for (long i = 2; i <= n; i++) {
        if (!composite[i]) {
            count += 1;
            sum += i;
            for (long j = i * i; j <= n; j += i) composite[j] = true;
        }
    }
    printf("primes up to %ld: %ld, sum %ld\n", n, count, sum);
    free(composite);
    return 0;
}
