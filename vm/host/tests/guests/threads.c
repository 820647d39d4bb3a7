/* pthreads: create, mutex, condvar, join (CLONE_CHILD_CLEARTID + futex). */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long total = 0;
static int ready = 0;

static void *worker(void *arg) {
    long id = (long)arg;
    pthread_mutex_lock(&mu);
    while (!ready) pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < 100000; i++) {
        pthread_mutex_lock(&mu);
        total += 1;
        pthread_mutex_unlock(&mu);
    }
    return (void *)(id * 10);
}

int main(void) {
    pthread_t t[4];
    for (long i = 0; i < 4; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)i) != 0) return 1;
    pthread_mutex_lock(&mu);
    ready = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    long sum = 0;
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        sum += (long)r;
    }
    printf("total=%ld sum=%ld\n", total, sum);
    return 0;
}
