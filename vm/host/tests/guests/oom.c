/* Touches memory until the guest's limit is exhausted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
    char *p = mmap(NULL, 1ULL << 36, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return 1;
    printf("touching\n");
    fflush(stdout);
    for (size_t i = 0;; i += 4096) p[i] = 1;
    return 0;
}
