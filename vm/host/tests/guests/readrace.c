/* Many threads entering a blocking read(0) while the main thread calls
   exit_group: stdin stays open and empty, so a thread whose stop signal
   landed just before its read() would block there for ever. The main
   thread starts argv[1] readers (default 64) and exits with 9 while the
   last of them are still on their way into read(). */
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *reader(void *arg) {
    (void)arg;
    char c;
    for (;;) read(0, &c, 1);
    return NULL;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 64;
    for (int i = 0; i < n; i++) {
        pthread_t t;
        pthread_create(&t, NULL, reader, NULL);
    }
    syscall(SYS_exit_group, 9);
    return 0;
}
