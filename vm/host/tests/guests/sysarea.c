/* Attacks on the system area and the I/O ports, chosen by argv[1]. Each
   write, jump or port access must fault at once (the host reports the
   faulting address and access); none may run code in ring 0. argv[2], if
   given, overrides the stub page's address (to aim the same attacks at an
   older layout). Prints "survived <mode>" if the attack did not fault. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Layout of cpu.rs: KBASE, the supervisor-only 2 MiB block below the stub
   page, and the stub page in the next 2 MiB. */
#define KBASE 0xffffffff80000000UL
#define GDT (KBASE + 0x0000)
#define IDT (KBASE + 0x1000)
#define PML4 (KBASE + 0x6000)
#define TSS0 (KBASE + 0x10000)
#define KSTACK0 (KBASE + 0x11ff8)
#define STUBS_DEFAULT (KBASE + 0x200000)

/* Code that must never run: at CPL 0 it would read CR3. */
extern const unsigned char payload_start[], payload_end[];
__asm__(".globl payload_start\n.globl payload_end\n"
        "payload_start:\n"
        "  mov %cr3, %rax\n"
        "  hlt\n"
        "payload_end:\n");

static void poke(uintptr_t at) { *(volatile unsigned char *)at = 0x90; }

static void jump(uintptr_t at) { ((void (*)(void))at)(); }

int main(int argc, char **argv) {
    const char *m = argc > 1 ? argv[1] : "";
    uintptr_t stubs = argc > 2 ? strtoul(argv[2], 0, 16) : STUBS_DEFAULT;
    volatile unsigned char *s = (volatile unsigned char *)stubs;
    if (!strcmp(m, "stub-read")) {
        /* The syscall stub is `out %al, $0x10; sysretq`. */
        printf("stub %02x %02x %02x %02x %02x\n", s[0], s[1], s[2], s[3], s[4]);
        return 0;
    }
    if (!strcmp(m, "stub-write")) poke(stubs);
    if (!strcmp(m, "stub-write-exc")) poke(stubs + 0x160);
    if (!strcmp(m, "gdt-write")) poke(GDT + 0x28);
    if (!strcmp(m, "idt-write")) poke(IDT + 6 * 16);
    if (!strcmp(m, "tss-write")) poke(TSS0 + 4);
    if (!strcmp(m, "kstack-write")) poke(KSTACK0);
    if (!strcmp(m, "pml4-write")) poke(PML4 + 511 * 8);
    if (!strcmp(m, "gdt-exec")) jump(GDT);
    if (!strcmp(m, "kstack-exec")) jump(KSTACK0 & ~0xfffUL);
    if (!strcmp(m, "attack")) {
        /* Finding 1 of issue 10: copy code into the stub page and patch the
           #UD stub to jump to it, then raise #UD. */
        long n = payload_end - payload_start;
        for (long i = 0; i < n; i++) s[0x800 + i] = payload_start[i];
        int32_t rel = 0x800 - (0x160 + 5);
        s[0x160] = 0xE9;
        memcpy((void *)(s + 0x161), &rel, 4);
        __asm__ volatile("ud2");
    }
    if (!strcmp(m, "in-syscall-port")) __asm__ volatile("in $0x10, %%al" ::: "rax");
    if (!strcmp(m, "in-other-port")) __asm__ volatile("in $0x30, %%al" ::: "rax");
    if (!strcmp(m, "out-other-port")) __asm__ volatile("out %%al, $0x30" ::: "rax");
    if (!strcmp(m, "out-exception-port")) __asm__ volatile("out %%al, $0x26" ::: "rax");
    if (!strcmp(m, "out-dx-syscall-port"))
        __asm__ volatile("mov $0x10, %%dx; mov $60, %%eax; out %%al, %%dx" ::: "rax", "rdx");
    if (!strcmp(m, "outw-syscall-port"))
        __asm__ volatile("mov $60, %%eax; out %%ax, $0x10" ::: "rax");
    printf("survived %s\n", m);
    return 0;
}
