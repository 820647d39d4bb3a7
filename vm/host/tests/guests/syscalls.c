/* Many cheap system calls (for measuring exit cost by hand) and a check
   that their results stay right: getppid, clock_gettime, getrandom. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    long bad = 0;
    struct timespec prev = {0, 0}, now;
    for (int i = 0; i < n; i++) {
        if (getppid() != 1) bad++;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec < prev.tv_sec || (now.tv_sec == prev.tv_sec && now.tv_nsec < prev.tv_nsec)) bad++;
        prev = now;
    }
    unsigned char r[64] = {0};
    if (getrandom(r, sizeof r, 0) != sizeof r) bad++;
    int zeros = 0;
    for (int i = 0; i < 64; i++) zeros += r[i] == 0;
    if (zeros > 8) bad++;
    printf("calls=%d bad=%ld\n", 2 * n, bad);
    return 0;
}
