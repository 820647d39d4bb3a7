/* Boundary values of time, signal, limit and file-system system calls,
   chosen by argv[1]:
   "errors"   prints the result of each call as a number or errno name, so
              the test can compare them with what spec/host-mode.md says;
   "forever"  a thread sleeps "for ever" in each of nanosleep, relative
              clock_nanosleep and FUTEX_WAIT (INT64_MAX seconds), then the
              main thread exits with 3: the host must neither panic nor
              wait for the sleepers;
   "hang"     the main thread itself sleeps for ever: only the host's
              timeout can end it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const struct timespec forever = {INT64_MAX, 0};
static uint32_t futex_word;

static void report(const char *what, long r) {
    if (r < 0 && r > -4096) {
        const char *name = "other";
        switch (-r) {
        case EINVAL: name = "EINVAL"; break;
        case EPERM: name = "EPERM"; break;
        case ESRCH: name = "ESRCH"; break;
        case EACCES: name = "EACCES"; break;
        case ENOSYS: name = "ENOSYS"; break;
        case EFAULT: name = "EFAULT"; break;
        case ETIMEDOUT: name = "ETIMEDOUT"; break;
        }
        printf("%s: %s\n", what, name);
    } else {
        printf("%s: %ld\n", what, r);
    }
}

/* The raw system call result: -errno on failure, as the host returns it. */
static long raw(long nr, long a, long b, long c, long d, long e) {
    long r = syscall(nr, a, b, c, d, e, 0);
    return r == -1 ? -errno : r;
}

static void errors(void) {
    struct timespec bad_ns = {0, -1}, big_ns = {0, 1000000000}, neg_s = {-1, 0};
    struct timespec zero = {0, 0}, tiny = {0, 1000};
    report("nanosleep ns=-1", raw(SYS_nanosleep, (long)&bad_ns, 0, 0, 0, 0));
    report("nanosleep ns=1e9", raw(SYS_nanosleep, (long)&big_ns, 0, 0, 0, 0));
    report("nanosleep s=-1", raw(SYS_nanosleep, (long)&neg_s, 0, 0, 0, 0));
    report("nanosleep 1us", raw(SYS_nanosleep, (long)&tiny, 0, 0, 0, 0));
    report("clock_nanosleep clock 99 abs", raw(SYS_clock_nanosleep, 99, TIMER_ABSTIME, (long)&zero, 0, 0));
    report("clock_nanosleep clock -1", raw(SYS_clock_nanosleep, -1, 0, (long)&tiny, 0, 0));
    report("clock_nanosleep thread cputime", raw(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, (long)&tiny, 0, 0));
    report("clock_nanosleep ns=1e9", raw(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, (long)&big_ns, 0, 0));
    report("clock_nanosleep realtime abs past", raw(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, (long)&zero, 0, 0));
    report("clock_nanosleep monotonic 1us", raw(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, (long)&tiny, 0, 0));
    report("futex wait ns=-1", raw(SYS_futex, (long)&futex_word, FUTEX_WAIT, 0, (long)&bad_ns, 0));
    report("futex wait 1us", raw(SYS_futex, (long)&futex_word, FUTEX_WAIT, 0, (long)&tiny, 0));
    struct pollfd { int fd; short events, revents; } none = {-1, 0, 0};
    report("ppoll ns=1e9", raw(SYS_ppoll, (long)&none, 1, (long)&big_ns, 0, 0));

    long pid = getpid(), tid = syscall(SYS_gettid);
    report("tgkill self sig 0", raw(SYS_tgkill, pid, tid, 0, 0, 0));
    report("tgkill other process", raw(SYS_tgkill, 4242, 4242, SIGTERM, 0, 0));
    report("tgkill own pid, other tid", raw(SYS_tgkill, pid, 4242, SIGTERM, 0, 0));
    report("tgkill tid 0", raw(SYS_tgkill, pid, 0, SIGTERM, 0, 0));
    report("tkill other thread", raw(SYS_tkill, 4242, SIGTERM, 0, 0, 0));
    report("tkill self sig 0", raw(SYS_tkill, tid, 0, 0, 0, 0));
    report("kill other process", raw(SYS_kill, 4242, SIGTERM, 0, 0, 0));
    report("kill self sig 99", raw(SYS_kill, pid, 99, 0, 0, 0));

    struct rlimit lim = {16, 16}, old;
    report("prlimit64 set", raw(SYS_prlimit64, 0, RLIMIT_NOFILE, (long)&lim, 0, 0));
    report("prlimit64 get", raw(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&old, 0));
    printf("nofile %ld\n", (long)old.rlim_cur);
    report("prlimit64 set and get", raw(SYS_prlimit64, 0, RLIMIT_NOFILE, (long)&lim, (long)&old, 0));
    report("prlimit64 other process", raw(SYS_prlimit64, 4242, RLIMIT_NOFILE, 0, (long)&old, 0));
    report("setrlimit", raw(SYS_setrlimit, RLIMIT_NOFILE, (long)&lim, 0, 0, 0));

    /* File-system changes: every one is refused with EACCES. */
    const char *p = "/tmp/lang-host-edges";
    static const struct { const char *name; long nr; long a, b, c, d, e; } fs[] = {
        {"rmdir", SYS_rmdir, 0}, {"unlink", SYS_unlink, 0}, {"unlinkat", SYS_unlinkat, -100},
        {"mkdir", SYS_mkdir, 0, 0755}, {"mkdirat", SYS_mkdirat, -100, 0, 0755},
        {"rename", SYS_rename, 0, 0}, {"renameat2", SYS_renameat2, -100, 0, -100, 0},
        {"link", SYS_link, 0, 0}, {"linkat", SYS_linkat, -100, 0, -100, 0},
        {"symlink", SYS_symlink, 0, 0}, {"symlinkat", SYS_symlinkat, 0, -100, 0},
        {"chmod", SYS_chmod, 0, 0777}, {"fchmod", SYS_fchmod, 1, 0777},
        {"fchmodat", SYS_fchmodat, -100, 0, 0777}, {"chown", SYS_chown, 0, 0, 0},
        {"fchown", SYS_fchown, 1, 0, 0}, {"lchown", SYS_lchown, 0, 0, 0},
        {"fchownat", SYS_fchownat, -100, 0, 0, 0}, {"truncate", SYS_truncate, 0, 0},
        {"ftruncate", SYS_ftruncate, 1, 0}, {"creat", SYS_creat, 0, 0644},
        {"mknod", SYS_mknod, 0, 0}, {"mknodat", SYS_mknodat, -100, 0, 0},
        {"utimensat", SYS_utimensat, -100, 0, 0, 0}, {"utimes", SYS_utimes, 0, 0},
        {"chdir", SYS_chdir, 0}, {"fchdir", SYS_fchdir, 1}, {"chroot", SYS_chroot, 0},
        {"mount", SYS_mount, 0, 0, 0, 0}, {"umount2", SYS_umount2, 0, 0},
    };
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++) {
        /* Path arguments (given as 0 above) point at a harmless path. */
        long a = fs[i].a == 0 ? (long)p : fs[i].a;
        long b = fs[i].b == 0 && fs[i].nr != SYS_fchmod && fs[i].nr != SYS_fchown &&
                         fs[i].nr != SYS_ftruncate
                     ? (long)p
                     : fs[i].b;
        report(fs[i].name, raw(fs[i].nr, a, b, fs[i].c == 0 ? (long)p : fs[i].c, fs[i].d, fs[i].e));
    }
}

static void *sleep_nanosleep(void *arg) {
    (void)arg;
    syscall(SYS_nanosleep, &forever, 0);
    return NULL;
}

static void *sleep_clock(void *arg) {
    (void)arg;
    syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &forever, 0);
    return NULL;
}

static void *sleep_futex(void *arg) {
    (void)arg;
    syscall(SYS_futex, &futex_word, FUTEX_WAIT, 0, &forever, 0, 0);
    return NULL;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "errors";
    if (!strcmp(mode, "errors")) {
        errors();
        return 0;
    }
    pthread_t t;
    pthread_create(&t, NULL, sleep_nanosleep, NULL);
    pthread_create(&t, NULL, sleep_clock, NULL);
    pthread_create(&t, NULL, sleep_futex, NULL);
    struct timespec settle = {0, 20000000};
    nanosleep(&settle, NULL);
    printf("sleeping\n");
    fflush(stdout);
    if (!strcmp(mode, "hang")) syscall(SYS_nanosleep, &forever, 0);
    return 3;
}
