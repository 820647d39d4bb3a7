/* strings: build n short strings, join them, hash every byte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "<" + str(i) + ":" + str(i * 7 % 1000) + ">" built by concatenation, as
   the other versions do: each step allocates a new string. */
static char *concat(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    char *r = malloc(la + lb + 1);
    memcpy(r, a, la);
    memcpy(r + la, b, lb + 1);
    return r;
}

static char *str_int(long v) {
    char buf[32];
    snprintf(buf, sizeof buf, "%ld", v);
    return strdup(buf);
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000;
    char **parts = malloc((n > 0 ? n : 1) * sizeof(char *));
    for (long i = 0; i < n; i++) {
        char *si = str_int(i), *sj = str_int(i * 7 % 1000);
        char *t1 = concat("<", si);
        char *t2 = concat(t1, ":");
        char *t3 = concat(t2, sj);
        parts[i] = concat(t3, ">");
        free(si); free(sj); free(t1); free(t2); free(t3);
    }
    size_t total = 0;
    for (long i = 0; i < n; i++) total += strlen(parts[i]) + (i > 0 ? 1 : 0);
    char *s = malloc(total + 1);
    size_t pos = 0;
    for (long i = 0; i < n; i++) {
        if (i > 0) s[pos++] = ',';
        size_t l = strlen(parts[i]);
        memcpy(s + pos, parts[i], l);
        pos += l;
    }
    s[pos] = 0;
    long h = 0;
    long len = (long)total;
    for (long i = 0; i < len; i++) {
        h = (h * 31 + (unsigned char)s[i]) % 1000000007;
    }
    printf("strings(%ld): length %ld, hash %ld\n", n, len, h);
    for (long i = 0; i < n; i++) free(parts[i]);
    free(parts);
    free(s);
    return 0;
}
