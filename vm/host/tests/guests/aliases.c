/* Pointers that are not user addresses: each is a real user buffer with
   high bits set (bit 63, bit 48, or all of bits 48..63), so only the bits
   a page walk looks at still name that buffer. The host must refuse every
   one with EFAULT, as Linux does, and neither read nor write the buffer
   they alias. Prints one line per call: its result, and for calls that
   write, whether the aliased buffer changed. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char *name(long r) {
    static char buf[32];
    if (r == -EFAULT) return "EFAULT";
    snprintf(buf, sizeof buf, "%ld", r);
    return buf;
}

/* The raw system call result: -errno on failure, as the host returns it. */
static long raw(long nr, long a, long b, long c, long d) {
    long r = syscall(nr, a, b, c, d, 0, 0);
    return r == -1 ? -errno : r;
}

int main(void) {
    static const struct { const char *what; uint64_t bits; } high[] = {
        {"bit 63", 0x8000000000000000ULL},
        {"bit 48", 0x0001000000000000ULL},
        {"bits 48..63", 0xffff000000000000ULL},
    };
    /* A sleep that returns at once if the host wrongly reads it. */
    static struct timespec tiny = {0, 1000};
    static uint32_t word = 7;
    static char out[512], msg[] = "aliased\n";
    for (size_t i = 0; i < sizeof high / sizeof high[0]; i++) {
        uint64_t h = high[i].bits;
        printf("%s nanosleep: %s\n", high[i].what,
               name(raw(SYS_nanosleep, (long)((uintptr_t)&tiny | h), 0, 0, 0)));
        /* The word is 7, not 0: a wrong read answers EAGAIN at once. */
        printf("%s futex wait: %s\n", high[i].what,
               name(raw(SYS_futex, (long)((uintptr_t)&word | h), FUTEX_WAIT, 0, 0)));
        printf("%s write: %s\n", high[i].what,
               name(raw(SYS_write, 1, (long)((uintptr_t)msg | h), sizeof msg - 1, 0)));
        fflush(stdout);
        memset(out, 0, sizeof out);
        long r = raw(SYS_clock_gettime, CLOCK_REALTIME, (long)((uintptr_t)out | h), 0, 0);
        int changed = 0;
        for (size_t j = 0; j < sizeof out; j++) changed |= out[j] != 0;
        printf("%s clock_gettime: %s%s\n", high[i].what, name(r), changed ? " (buffer written)" : "");
        memset(out, 0, sizeof out);
        r = raw(SYS_uname, (long)((uintptr_t)out | h), 0, 0, 0);
        changed = 0;
        for (size_t j = 0; j < sizeof out; j++) changed |= out[j] != 0;
        printf("%s uname: %s%s\n", high[i].what, name(r), changed ? " (buffer written)" : "");
    }
    return 0;
}
