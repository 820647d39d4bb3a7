// bench/icount's LD_PRELOAD shim for running lang under valgrind: valgrind
// refuses MMTk's terabyte-sized PROT_NONE reservations (lang's probe and
// MMTk's side-metadata quarantine). Pretend they succeed, placing any that
// let the kernel choose in an unused high range; pass every other mmap on.
#define _GNU_SOURCE
#include <sys/mman.h>
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
static uintptr_t next_fake = 0x500000000000UL;
void *mmap(void *a, size_t l, int p, int f, int fd, off_t o){
  static void *(*real)(void*,size_t,int,int,int,off_t);
  if (p == PROT_NONE && l >= ((size_t)1 << 36)) {
    if (a) return a;
    void *r = (void*)next_fake; next_fake += (l + 0xffffffffUL) & ~0xffffffffUL; return r;
  }
  if(!real) real = dlsym(RTLD_NEXT, "mmap");
  return real(a,l,p,f,fd,o);
}
