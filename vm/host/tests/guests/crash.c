/* Faults and hostile instructions, chosen by argv[1]; each must end the
   guest like the matching signal, never reach or crash the host. */
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static int overflow(void) {
    volatile char big[64 << 20];
    big[0] = 1;
    return big[1];
}

int main(int argc, char **argv) {
    const char *m = argc > 1 ? argv[1] : "null";
    if (!strcmp(m, "abort")) abort();
    if (!strcmp(m, "out")) __asm__ volatile("mov $60, %eax; out %al, $0x10");
    if (!strcmp(m, "int80")) __asm__ volatile("int $0x80");
    if (!strcmp(m, "hlt")) __asm__ volatile("hlt");
    if (!strcmp(m, "ud2")) __asm__ volatile("ud2");
    if (!strcmp(m, "kernel-read")) return *(volatile int *)0xffffffff80000000ULL;
    /* The stub page (cpu.rs STUBS_VA). */
    if (!strcmp(m, "stub-write")) *(volatile char *)0xffffffff80200000ULL = 0x90;
    if (!strcmp(m, "stub-jump")) ((void (*)(void))0xffffffff80200000ULL)();
    if (!strcmp(m, "stack-overflow")) return overflow();
    *(volatile int *)16 = 1;
    return 0;
}
