/* hello: print a greeting n times; measures start-up. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1;
    for (long i = 0; i < n; i++) puts("Hello, world!");
    return 0;
}
