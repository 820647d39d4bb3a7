/* Faults: a NULL write (SIGSEGV) or abort() (SIGABRT), by argv[1]. */
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "abort") == 0) abort();
    *(volatile int *)16 = 1;
    return 0;
}
