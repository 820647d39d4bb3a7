/* A seeded system-call fuzzer: `fuzz SEED ITERATIONS THREADS` issues
   ITERATIONS random system calls from the main thread and from each of
   THREADS more threads (default 0), with boundary-valued arguments: 0, -1,
   small and huge numbers, pointers into its own scratch memory, into
   guard pages, into the system area, non-canonical addresses, INT64_MAX
   and invalid timespecs. The host must answer every call with a result or
   an error and never panic, hang or crash; the guest then prints
   "survived N calls".

   Only what would legitimately end or hang this program is tamed: exit
   and exit_group are never called; kill/tkill/tgkill get harmless
   signals; clone never gets CLONE_VM; every wait (sleeps, futex waits,
   poll) gets a bounded or invalid timeout; memory calls (munmap, mprotect,
   MAP_FIXED, ...) and host writes land only in the scratch area or in
   unmapped or kernel addresses; stdio descriptors are never closed;
   set_tid_address (which pthread_join relies on) and the FS/GS base are
   left alone; brk only grows. Huge sleeps are tested by tests/guests/
   edges.c instead, where the host's stopping must end them. */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SCRATCH (4L << 20)
/* Guard bytes on each side of the scratch area: more than the host
   copies in one call, so a host write that starts in scratch never
   reaches another mapping. */
#define GUARD (2L << 20)
/* The lowest address the host maps (its MMAP_MIN) and the end of user
   space: memory calls outside scratch stay below the one or above the
   other. */
#define MMAP_MIN 0x10000ULL
#define USER_TOP 0x800000000000ULL

static char *scratch;

/* Timeouts and poll sets the host reads: one page per thread, never
   handed to calls that write, never unmapped. */
struct params {
    struct timespec ts;
    struct { int fd; short events, revents; } pfd[4];
    uint32_t word;
};

struct rng { uint64_t s; };

static uint64_t next(struct rng *r) {
    /* xorshift64*: fast, seedable, good enough to pick arguments. */
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545f4914f6cdd1dULL;
}

static const uint64_t boundary[] = {
    0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 255, 256, 4095, 4096, 4097,
    65535, 65536, 1 << 20, (1 << 20) + 1, 0x7fffffff, 0x80000000ULL, 0xffffffffULL,
    0x100000000ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL, 0xffffffffffffffffULL,
    0xfffffffffffffffeULL, 0xfffffffffffff000ULL, 0xffffffff80000000ULL,
    0xffffffff80002000ULL, 0xffffffff80001000ULL, 0x00007fffffffffffULL,
    0x00007ffffffff000ULL, 0x0000800000000000ULL, 0x1000000000ULL, 0x10000ULL,
};
#define NBOUNDARY (sizeof boundary / sizeof boundary[0])

/* A pointer the host may write through: into scratch, at its edges (the
   guards are unmapped-like PROT_NONE), or somewhere it must refuse. */
static uint64_t pointer(struct rng *r) {
    switch (next(r) % 8) {
    case 0: case 1: return (uint64_t)(scratch + next(r) % SCRATCH);
    case 2: return (uint64_t)(scratch + (next(r) % 1024) * 4096);
    case 3: return (uint64_t)(scratch + SCRATCH - next(r) % 64);
    case 4: return (uint64_t)(scratch - 1 - next(r) % 64);
    case 5: return next(r) % 65536;
    case 6: return next(r) | 0x8000000000000000ULL;
    default: return boundary[next(r) % NBOUNDARY];
    }
}

static uint64_t number(struct rng *r) {
    switch (next(r) % 4) {
    case 0: return boundary[next(r) % NBOUNDARY];
    case 1: return next(r) % 64 - 8;
    case 2: return next(r);
    default: return next(r) % 4096;
    }
}

static uint64_t arg(struct rng *r) { return next(r) % 2 ? pointer(r) : number(r); }

/* A timespec that is invalid or at most about a millisecond long (as a
   relative time; as an absolute one it lies in the past). */
static uint64_t timeout(struct rng *r, struct params *p) {
    if (next(r) % 8 == 0) return pointer(r) | 0x8000000000000000ULL; /* EFAULT */
    static const int64_t secs[] = {0, 0, 0, -1, INT64_MIN, 1};
    static const int64_t nsecs[] = {0, 1, 1000, 999999, -1, 1000000000, INT64_MAX, INT64_MIN};
    p->ts.tv_sec = secs[next(r) % 6];
    p->ts.tv_nsec = nsecs[next(r) % 8];
    if (p->ts.tv_sec == 1 && p->ts.tv_nsec >= 0 && p->ts.tv_nsec < 1000000000) p->ts.tv_nsec = -1;
    return (uint64_t)&p->ts;
}

/* Calls the host serves, picked more often than the rest of the table. */
static const long served[] = {
    SYS_read, SYS_write, SYS_pread64, SYS_readv, SYS_writev, SYS_open, SYS_openat, SYS_close,
    SYS_lseek, SYS_fstat, SYS_newfstatat, SYS_stat, SYS_lstat, SYS_access, SYS_faccessat,
    SYS_ioctl, SYS_fcntl, SYS_poll, SYS_ppoll, SYS_mmap, SYS_munmap, SYS_mprotect,
    SYS_madvise, SYS_brk, SYS_mremap, SYS_rt_sigaction, SYS_rt_sigprocmask, SYS_sigaltstack,
    SYS_arch_prctl, SYS_prctl, SYS_uname, SYS_sysinfo, SYS_getcwd, SYS_readlink,
    SYS_clock_gettime, SYS_clock_getres, SYS_gettimeofday, SYS_time, SYS_nanosleep,
    SYS_clock_nanosleep, SYS_sched_getaffinity, SYS_getcpu, SYS_prlimit64, SYS_getrlimit,
    SYS_setrlimit, SYS_getrandom, SYS_futex, SYS_clone, SYS_kill, SYS_tgkill, SYS_tkill,
    SYS_statx, SYS_unlink, SYS_rmdir, SYS_fchmod, SYS_ftruncate, SYS_execve, SYS_socket,
};
#define NSERVED (sizeof served / sizeof served[0])

static long pick(struct rng *r) {
    switch (next(r) % 8) {
    case 0: return (long)boundary[next(r) % NBOUNDARY]; /* out of range */
    case 1: case 2: case 3: return (long)(next(r) % 460);
    default: return served[next(r) % NSERVED];
    }
}

static void one_call(struct rng *r, struct params *p) {
    long nr;
    for (;;) {
        nr = pick(r);
        /* Ending the program, or changing what pthread_join waits on. */
        if (nr != SYS_exit && nr != SYS_exit_group && nr != SYS_set_tid_address) break;
    }
    uint64_t a[6];
    for (int i = 0; i < 6; i++) a[i] = arg(r);
    uintptr_t lo = (uintptr_t)scratch, hi = lo + SCRATCH;
    switch (nr) {
    case SYS_kill: case SYS_tkill:
        a[1] = next(r) % 2 ? 0 : (next(r) % 2 ? 17 /* SIGCHLD */ : number(r) | 0x100);
        break;
    case SYS_tgkill:
        a[2] = next(r) % 2 ? 0 : (next(r) % 2 ? 28 /* SIGWINCH */ : number(r) | 0x100);
        break;
    case SYS_clone:
        a[0] &= ~(uint64_t)CLONE_VM;
        break;
    case SYS_close: case SYS_dup2: case SYS_dup3:
        if (a[0] <= 2) a[0] += 3;
        if (a[1] <= 2) a[1] += 3;
        break;
    case SYS_write: case SYS_writev: case SYS_pwrite64: case SYS_pwritev: case SYS_pwritev2:
        /* Short writes to the real streams; anything to the rest. */
        if (a[0] <= 2 && a[2] > 256) a[2] %= 257;
        if (a[0] == 1 || a[0] == 0) a[0] = 2;
        break;
    case SYS_brk:
        a[0] = next(r) % 2 ? 0 : a[0] | 0x100000000000ULL;
        break;
    case SYS_arch_prctl:
        if (a[0] == 0x1001 || a[0] == 0x1002) a[0] = 0x1003;
        break;
    case SYS_nanosleep:
        a[0] = timeout(r, p);
        break;
    case SYS_clock_nanosleep:
        a[0] = next(r) % 3 ? next(r) % 12 : number(r);
        a[1] = next(r) % 2; /* TIMER_ABSTIME or not */
        a[2] = timeout(r, p);
        break;
    case SYS_futex:
        a[0] = next(r) % 2 ? (uint64_t)&p->word : pointer(r);
        a[1] = next(r) % 2 ? next(r) % 14 : number(r);
        a[1] |= next(r) % 2 ? FUTEX_PRIVATE_FLAG : 0;
        a[3] = timeout(r, p);
        break;
    case SYS_poll:
        a[0] = next(r) % 2 ? (uint64_t)p->pfd : pointer(r);
        p->pfd[0].fd = (int)(next(r) % 5) - 1;
        p->pfd[0].events = (short)next(r);
        a[1] = next(r) % 2 ? next(r) % 5 : number(r);
        a[2] = next(r) % 3; /* milliseconds */
        break;
    case SYS_ppoll:
        a[0] = next(r) % 2 ? (uint64_t)p->pfd : pointer(r);
        a[1] = next(r) % 2 ? next(r) % 5 : number(r);
        a[2] = timeout(r, p);
        break;
    case SYS_select: case SYS_pselect6: case SYS_epoll_wait: case SYS_epoll_pwait:
    case SYS_epoll_pwait2: case SYS_rt_sigtimedwait: case SYS_io_getevents:
    case SYS_io_pgetevents: case SYS_semtimedop: case SYS_mq_timedreceive: case SYS_mq_timedsend:
        a[3] = a[4] = timeout(r, p);
        break;
    case SYS_munmap: case SYS_mprotect: case SYS_madvise: case SYS_msync: case SYS_mincore:
    case SYS_mlock: case SYS_munlock: case SYS_mlock2: case SYS_mremap: case SYS_pkey_mprotect:
    case SYS_remap_file_pages: case SYS_process_madvise:
    case SYS_mmap:
        /* Inside scratch, or at an address the host must refuse. */
        if (next(r) % 4) {
            a[0] = lo + (next(r) % (SCRATCH / 4096)) * 4096 + (next(r) % 16 == 0);
            uint64_t room = hi - (a[0] & ~4095ULL);
            a[1] = next(r) % 8 ? next(r) % room : room;
        } else {
            /* An address the host must refuse, or a user range that
               reaches nothing mapped: below MMAP_MIN, where the host never
               maps. Any other user address could take the range over the
               program, its stack, its parameters or scratch (seed 101 once
               unmapped its own code with munmap(0x10000, 0x7effffbe4000)). */
            a[0] = pointer(r);
            if (a[0] < USER_TOP && (a[0] >= MMAP_MIN || a[1] > MMAP_MIN - a[0]))
                a[0] = 0xffffffff80000000ULL;
        }
        if (nr == SYS_mmap && a[0] < lo) a[3] &= ~(uint64_t)(MAP_FIXED | MAP_FIXED_NOREPLACE);
        if (nr == SYS_mremap) a[3] &= ~(uint64_t)MREMAP_FIXED;
        break;
    }
    long ret = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    if (nr == SYS_mmap && ret != -1 && ((uintptr_t)ret < lo || (uintptr_t)ret >= hi)) {
        /* A fresh mapping elsewhere: give it back so RAM stays free. */
        munmap((void *)ret, a[1]);
    }
}

struct job { uint64_t seed; long iterations; struct params *p; };

/* Every thread starts fuzzing only once all of them exist: a fuzzed
   munmap leaves holes in scratch, and a params page or thread stack that
   a later mmap put into such a hole would then be unmapped or protected
   under its owner by the next fuzzed call. */
static pthread_barrier_t start;

static void *fuzz(void *arg) {
    struct job *j = arg;
    struct rng r = {j->seed * 0x9e3779b97f4a7c15ULL + 1};
    pthread_barrier_wait(&start);
    for (long i = 0; i < j->iterations; i++) one_call(&r, j->p);
    return NULL;
}

int main(int argc, char **argv) {
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
    long iterations = argc > 2 ? atol(argv[2]) : 1000;
    int threads = argc > 3 ? atoi(argv[3]) : 0;
    char *area = mmap(NULL, SCRATCH + 2 * GUARD, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED) return 1;
    scratch = area + GUARD;
    if (mprotect(scratch, SCRATCH, PROT_READ | PROT_WRITE) != 0) return 1;
    pthread_t t[64];
    struct job jobs[65];
    if (threads > 64) threads = 64;
    for (int i = 0; i <= threads; i++) {
        struct params *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return 1;
        jobs[i] = (struct job){seed + (uint64_t)i * 1000003, iterations, p};
    }
    if (pthread_barrier_init(&start, NULL, (unsigned)threads + 1) != 0) return 1;
    for (int i = 0; i < threads; i++)
        if (pthread_create(&t[i], NULL, fuzz, &jobs[i + 1]) != 0) return 1;
    fuzz(&jobs[0]);
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    printf("survived %ld calls\n", iterations * (threads + 1));
    return 0;
}
