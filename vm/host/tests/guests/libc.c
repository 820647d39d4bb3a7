/* glibc features: printf, malloc (brk and mmap), TLS, argv/env, stdin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __thread int tls_counter = 5;

int main(int argc, char **argv) {
    char *small = malloc(100);
    char *big = malloc(10 << 20); /* served by mmap */
    if (!small || !big) return 1;
    memset(big, 'x', 10 << 20);
    strcpy(small, "heap");
    tls_counter += argc;
    printf("argc=%d argv1=%s %s tls=%d big=%c\n", argc, argc > 1 ? argv[1] : "-", small, tls_counter, big[(10 << 20) - 1]);
    const char *e = getenv("GUEST_VAR");
    printf("env=%s\n", e ? e : "(unset)");
    char line[256];
    if (fgets(line, sizeof line, stdin)) printf("stdin=%s", line);
    free(big);
    free(small);
    fflush(stdout);
    fprintf(stderr, "to stderr\n");
    return 3;
}
