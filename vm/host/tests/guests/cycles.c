/* argv[1] rounds of pthread_create + pthread_join (default 1000), then
   "done N" on stdout, then reading stdin until its end: while the guest
   waits there the test counts the host's threads, which must stay bounded
   however many guest threads have come and gone. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *worker(void *arg) { return arg; }

int main(int argc, char **argv) {
    long rounds = argc > 1 ? atol(argv[1]) : 1000;
    long sum = 0;
    for (long i = 0; i < rounds; i++) {
        pthread_t t;
        void *r;
        if (pthread_create(&t, NULL, worker, (void *)1L) != 0) {
            printf("pthread_create failed at %ld\n", i);
            return 1;
        }
        pthread_join(t, &r);
        sum += (long)r;
    }
    printf("done %ld\n", sum);
    fflush(stdout);
    char buf[64];
    while (read(0, buf, sizeof buf) > 0) {}
    return 0;
}
