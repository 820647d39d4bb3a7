/* Threads blocked in the host (condvar wait, stdin read, sleep) while the
   guest ends: by exit() from another thread ("exit"), or by the host's
   timeout while the main thread spins ("spin"). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static void *waiter(void *arg) {
    (void)arg;
    pthread_mutex_lock(&mu);
    for (;;) pthread_cond_wait(&cv, &mu);
    return NULL;
}

static void *reader(void *arg) {
    (void)arg;
    char buf[16];
    for (;;) read(0, buf, sizeof buf);
    return NULL;
}

static void *sleeper(void *arg) {
    (void)arg;
    for (;;) sleep(100);
    return NULL;
}

int main(int argc, char **argv) {
    pthread_t t;
    pthread_create(&t, NULL, waiter, NULL);
    pthread_create(&t, NULL, reader, NULL);
    pthread_create(&t, NULL, sleeper, NULL);
    usleep(20000);
    printf("blocked\n");
    fflush(stdout);
    if (argc > 1 && strcmp(argv[1], "spin") == 0) {
        volatile unsigned long n = 0;
        for (;;) n++;
    }
    exit(5);
}
