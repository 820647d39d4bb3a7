/* fannkuch: fannkuch-redux over every permutation of 0..n (int arrays). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 7;
    long *perm = calloc(n, sizeof(long));
    long *perm1 = calloc(n, sizeof(long));
    long *count = calloc(n, sizeof(long));
    for (long i = 0; i < n; i++) perm1[i] = i;
    long max_flips = 0, checksum = 0, perm_count = 0;
    long r = n;
    int done = 0;
    while (!done) {
        while (r != 1) {
            count[r - 1] = r;
            r -= 1;
        }
        for (long i = 0; i < n; i++) perm[i] = perm1[i];
        long flips = 0;
        long k = perm[0];
        while (k != 0) {
            long i = 0, j = k;
            while (i < j) {
                long t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
                i += 1;
                j -= 1;
            }
            flips += 1;
            k = perm[0];
        }
        if (flips > max_flips) max_flips = flips;
        if (perm_count % 2 == 0) checksum += flips; else checksum -= flips;
        /* Next permutation, by rotating prefixes. */
        int more = 1;
        while (more) {
            if (r == n) {
                done = 1;
                more = 0;
            } else {
                long perm0 = perm1[0];
                for (long i = 0; i < r; i++) perm1[i] = perm1[i + 1];
                perm1[r] = perm0;
                count[r] -= 1;
                if (count[r] > 0) more = 0; else r += 1;
            }
        }
        perm_count += 1;
    }
    printf("%ld\nPfannkuchen(%ld) = %ld\n", checksum, n, max_flips);
    free(perm); free(perm1); free(count);
    return 0;
}
