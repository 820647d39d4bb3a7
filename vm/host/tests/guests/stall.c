/* Writes to stdout for ever, from the main thread and argv[1] more
   threads (default 0). The test never reads the pipe, so every writer
   ends up blocked in the host's write(); only the host's timeout can end
   the guest. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char line[4096];

static void *writer(void *arg) {
    (void)arg;
    for (;;) write(1, line, sizeof line);
    return NULL;
}

int main(int argc, char **argv) {
    memset(line, 'x', sizeof line);
    line[sizeof line - 1] = '\n';
    int extra = argc > 1 ? atoi(argv[1]) : 0;
    for (int i = 0; i < extra; i++) {
        pthread_t t;
        pthread_create(&t, NULL, writer, NULL);
    }
    writer(NULL);
    return 0;
}
