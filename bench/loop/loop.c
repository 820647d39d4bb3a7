/* loop: a tight integer loop (multiply, add, remainder). */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

int main(int argc, char **argv) {
    int64_t n = argc > 1 ? atoll(argv[1]) : 1000;
    int64_t s = 0;
    for (int64_t i = 0; i < n; i++) {
        s = (s * 31 + i) % 1000000007;
    }
    printf("loop(%lld) = %lld\n", (long long)n, (long long)s);
    return 0;
}
