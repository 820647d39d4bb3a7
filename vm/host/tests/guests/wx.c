/* W^X as a JIT meets it, chosen by argv[1]. Without an argument: code is
   written into a read-write page, made read-execute and run; rewritten
   (back to read-write, then read-execute) and run again, which must run
   the new code; and every request for memory both writable and executable
   is refused with EACCES. The other modes each end the guest with SIGSEGV
   at one access W^X forbids: "write-code" writes code after it ran,
   "exec-data" runs code from a writable page, "stale-exec" runs code again
   after its page went back to read-write, and "other-thread" has a second
   thread write the page over and over while the first makes it
   read-execute: its writes must stop there, although its vCPU holds a
   translation of the page that was writable. The page is touched with the
   right it loses first, so that a translation cached from that access
   would let the forbidden one through. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

typedef int (*code_fn)(void);

/* mov eax, imm32; ret */
static void put_code(unsigned char *p, int value) {
    p[0] = 0xb8;
    memcpy(p + 1, &value, 4);
    p[5] = 0xc3;
}

static unsigned char *volatile shared_page;
static atomic_long writes_after;
static atomic_int protected_now;

/* Writes the shared page until the guest ends, counting the writes that
   happened after the page became read-execute. */
static void *writer(void *arg) {
    (void)arg;
    for (;;) {
        int after = atomic_load(&protected_now);
        shared_page[100] = 1;
        if (after) atomic_fetch_add(&writes_after, 1);
    }
    return NULL;
}

static int other_thread(unsigned char *page) {
    shared_page = page;
    pthread_t t;
    if (pthread_create(&t, NULL, writer, NULL) != 0) { printf("no thread\n"); return 1; }
    /* Let the writer's vCPU cache a writable translation. */
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
    if (mprotect(page, 4096, PROT_READ | PROT_EXEC) != 0) { printf("mprotect rx failed\n"); return 1; }
    atomic_store(&protected_now, 1);
    nanosleep(&pause, NULL);
    /* Reached only if the writer was not stopped at its first write. */
    printf("writes after mprotect: %ld\n", atomic_load(&writes_after));
    return 0;
}

static const char *errname(int ok, int e) {
    if (ok) return "allowed";
    return e == EACCES ? "EACCES" : strerror(e);
}

int main(int argc, char **argv) {
    const char *m = argc > 1 ? argv[1] : "jit";
    unsigned char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) { printf("mmap failed\n"); return 1; }
    printf("page %p\n", (void *)page);
    fflush(stdout);
    put_code(page, 42);
    if (!strcmp(m, "exec-data")) return ((code_fn)page)();
    if (!strcmp(m, "other-thread")) return other_thread(page);
    if (mprotect(page, 4096, PROT_READ | PROT_EXEC) != 0) { printf("mprotect rx failed\n"); return 1; }
    int first = ((code_fn)page)();
    if (!strcmp(m, "write-code")) { page[1] = 7; return 0; }
    if (mprotect(page, 4096, PROT_READ | PROT_WRITE) != 0) { printf("mprotect rw failed\n"); return 1; }
    if (!strcmp(m, "stale-exec")) return ((code_fn)page)();
    put_code(page, 43);
    if (mprotect(page, 4096, PROT_READ | PROT_EXEC) != 0) { printf("mprotect rx failed\n"); return 1; }
    int second = ((code_fn)page)();

    void *rwx = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int e_mmap = errno;
    void *wx = mmap(NULL, 4096, PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int e_wx = errno;
    int r = mprotect(page, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
    int e_prot = errno;
    /* The refused mprotect left the code executable. */
    int third = ((code_fn)page)();
    printf("ran %d %d %d; rwx mmap %s, wx mmap %s, rwx mprotect %s\n", first, second, third,
           errname(rwx != MAP_FAILED, e_mmap), errname(wx != MAP_FAILED, e_wx),
           errname(r == 0, e_prot));
    return 0;
}
