/* Every system call number with hostile arguments (bad pointers, kernel
   addresses, huge lengths, odd flags). The host must answer each with a
   result or an error, never crash or hang; the guest then says so.
   Calls that would end or block this program, or let it destroy its own
   memory, are left out or confined to a scratch area. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static uint64_t state = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static char *scratch;
#define SCRATCH (4 << 20)

static long arg(int mem_only) {
    static const uint64_t fixed[] = {
        0, 1, 2, 3, 0x7fffffff, 0xffffffffffffffffULL, 0x8000000000000000ULL,
        0xffffffff80000000ULL, 0xffffffff80002000ULL, 0x00007fffffffffffULL,
        0x0000800000000000ULL, 4096, 1 << 20, 0x1000000000ULL};
    uint64_t r = next();
    switch (r % (mem_only ? 3 : 6)) {
    case 0: return (long)(scratch + (next() % SCRATCH));
    case 1: return (long)(scratch + (next() % 64) * 4096);
    case 2: return (long)(next() % 8192);
    case 3: return (long)fixed[next() % (sizeof fixed / sizeof fixed[0])];
    case 4: return (long)next();
    default: return (long)(next() % 64) - 8;
    }
}

int main(void) {
    scratch = mmap(NULL, SCRATCH, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (scratch == MAP_FAILED) return 1;
    long calls = 0;
    for (int round = 0; round < 6; round++) {
        for (long nr = 0; nr < 460; nr++) {
            switch (nr) {
            /* would end this program */
            case SYS_exit: case SYS_exit_group: case SYS_kill: case SYS_tkill: case SYS_tgkill:
            case SYS_rt_sigreturn: case SYS_clone: case SYS_clone3: case SYS_fork: case SYS_vfork:
            /* would block (sleeps, waits without timeout) */
            case SYS_nanosleep: case SYS_clock_nanosleep: case SYS_poll: case SYS_ppoll:
            case SYS_select: case SYS_pselect6: case SYS_pause: case SYS_futex: case SYS_read:
            case SYS_readv: case SYS_pread64: case SYS_preadv: case SYS_preadv2:
            case SYS_epoll_wait: case SYS_epoll_pwait: case SYS_rt_sigsuspend:
            case SYS_rt_sigtimedwait: case SYS_wait4: case SYS_waitid:
            /* would let it break its own heap, TLS or code */
            case SYS_brk: case SYS_arch_prctl: case SYS_mremap: case SYS_shmdt:
                continue;
            }
            int mem = nr == SYS_mmap || nr == SYS_munmap || nr == SYS_mprotect || nr == SYS_madvise ||
                      nr == SYS_msync || nr == SYS_mincore || nr == SYS_mlock || nr == SYS_munlock;
            long a0 = mem ? (long)(scratch + (next() % 64) * 4096) : arg(0);
            long a1 = mem ? (long)(next() % (1 << 20)) : arg(0);
            long a2 = arg(0), a3 = arg(0), a4 = arg(0), a5 = arg(0);
            if (nr == SYS_mmap) a3 &= ~(long)(MAP_FIXED | MAP_FIXED_NOREPLACE);
            if (nr == SYS_write || nr == SYS_writev || nr == SYS_pwrite64) a0 = 100 + (a0 & 7);
            syscall(nr, a0, a1, a2, a3, a4, a5);
            calls++;
        }
    }
    printf("survived %ld calls\n", calls);
    return 0;
}
