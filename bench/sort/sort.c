/* sort: n pseudo-random ints (Park-Miller, all distinct) sorted largest
   first by the library's sort (qsort) with a comparison function. */
#include <stdio.h>
#include <stdlib.h>

static int larger_first(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return (x < y) - (x > y);
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000;
    long *xs = malloc(sizeof(long) * (size_t)n);
    long seed = 42;
    for (long i = 0; i < n; i++) {
        seed = seed * 16807 % 2147483647;
        xs[i] = seed;
    }
    qsort(xs, (size_t)n, sizeof(long), larger_first);
    long bad = 0, sum = 0;
    for (long i = 0; i < n; i++) {
        if (i > 0 && xs[i - 1] < xs[i]) bad += 1;
        sum += xs[i] * (i % 3 + 1);
    }
    printf("sorted %ld: %ld out of order, first %ld, last %ld, checksum %ld\n",
           n, bad, xs[0], xs[n - 1], sum);
    free(xs);
    return 0;
}
