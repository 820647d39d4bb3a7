/* strappend: append n short pieces to one string, hash every 97th byte.
   The string is a buffer that doubles when full, as a C programmer
   appends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000;
    const char *pieces[] = {"a", "bc", "def", "ghij", "klmno", "pqrstu", "vwxyz01"};
    size_t len = 0, cap = 16;
    char *s = malloc(cap);
    if (!s) return 1;
    for (long i = 0; i < n; i++) {
        const char *p = pieces[i % 7];
        size_t lp = strlen(p);
        if (len + lp > cap) {
            while (len + lp > cap) cap *= 2;
            s = realloc(s, cap);
            if (!s) return 1;
        }
        memcpy(s + len, p, lp);
        len += lp;
    }
    long h = 0;
    for (size_t i = 0; i < len; i += 97) {
        h = (h * 31 + (unsigned char)s[i]) % 1000000007;
    }
    printf("strappend(%ld): length %zu, hash %ld\n", n, len, h);
    free(s);
    return 0;
}
