/* MMTk-style address space use: a 1 TiB PROT_NONE/NORESERVE reservation at
   a fixed address, parts made accessible and touched; then a plain
   NORESERVE read-write reservation touched sparsely. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
    size_t tib = 1ULL << 40;
    char *want = (char *)0x200000000000ULL;
    char *r = mmap(want, tib, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (r != want) { printf("reserve failed\n"); return 1; }
    char *chunk = r + (512ULL << 30);
    if (mprotect(chunk, 4 << 20, PROT_READ | PROT_WRITE) != 0) { printf("mprotect failed\n"); return 1; }
    memset(chunk, 7, 4 << 20);
    char *rw = mmap(NULL, tib, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (rw == MAP_FAILED) { printf("rw reserve failed\n"); return 1; }
    long sum = 0;
    for (int i = 0; i < 64; i++) { rw[(size_t)i * (tib / 64)] = (char)i; sum += rw[(size_t)i * (tib / 64)]; }
    int ok = chunk[12345] == 7 && chunk[(4 << 20) - 1] == 7;
    /* unmap and map again: the memory must read as zero afterwards */
    munmap(chunk, 4 << 20);
    char *again = mmap(chunk, 4 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("chunk=%d sum=%ld again=%d\n", ok, sum, again[12345]);
    return 0;
}
