/* The program file as the guest sees it, chosen by argv[1], with the
   file's guest name in argv[2]:
   - reread: reads it, prints "ready", waits for a line on stdin (the test
     swaps the host path meanwhile), then opens and reads it again;
   - paths: how open/stat/access resolve names and descriptors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void show(const char *what, int rc) {
    printf("%s: %s\n", what, rc < 0 ? strerror(errno) : "ok");
}

static void dump(const char *path) {
    char buf[128] = {0};
    int fd = open(path, O_RDONLY);
    if (fd < 0) { printf("open: %s\n", strerror(errno)); return; }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    struct stat st;
    fstat(fd, &st);
    printf("read %zd: %s| size %lld\n", n, buf, (long long)st.st_size);
    close(fd);
}

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    const char *m = argv[1], *p = argv[2];
    char alt[512];
    if (!strcmp(m, "reread")) {
        dump(p);
        puts("ready");
        fflush(stdout);
        char line[16];
        if (!fgets(line, sizeof line, stdin)) return 3;
        dump(p);
        return 0;
    }
    struct stat st;
    char cwd[64] = {0};
    printf("getcwd: %s\n", getcwd(cwd, sizeof cwd) ? cwd : strerror(errno));
    show("stat", stat(p, &st));
    snprintf(alt, sizeof alt, "/%s", p);
    show("stat from /", stat(alt, &st));
    snprintf(alt, sizeof alt, "%s/", p);
    show("trailing slash", open(alt, O_RDONLY));
    snprintf(alt, sizeof alt, "%s/.", p);
    show("trailing dot", stat(alt, &st));
    const char *slash = strrchr(p, '/');
    snprintf(alt, sizeof alt, "%.*s/missing/..%s", (int)(slash - p), p, slash);
    show("through a missing dir", open(alt, O_RDONLY));
    int fd = open(p, O_RDONLY);
    show("fstatat AT_FDCWD", fstatat(AT_FDCWD, p, &st, 0));
    show("fstatat AT_EMPTY_PATH", fstatat(fd, "", &st, AT_EMPTY_PATH));
    show("fstatat AT_EMPTY_PATH bad fd", fstatat(99, "", &st, AT_EMPTY_PATH));
    show("fstatat empty path", fstatat(AT_FDCWD, "", &st, 0));
    show("fstatat file fd", fstatat(fd, p, &st, 0));
    show("fstatat bad fd", fstatat(99, p, &st, 0));
    char abs[512];
    snprintf(abs, sizeof abs, "/%s", p);
    show("fstatat bad fd absolute", fstatat(99, abs, &st, 0));
    show("openat file fd", openat(fd, p, O_RDONLY));
    show("faccessat R_OK", faccessat(AT_FDCWD, p, R_OK, 0));
    show("faccessat X_OK", faccessat(AT_FDCWD, p, X_OK, 0));
    show("faccessat bad fd", faccessat(99, p, R_OK, 0));
    /* Two descriptors keep their own offsets. */
    int a = open(p, O_RDONLY), b = open(p, O_RDONLY);
    char x[4] = {0}, y[4] = {0};
    read(a, x, 3);
    read(b, y, 3);
    printf("offsets: %s %s at %ld\n", x, y, (long)lseek(a, 0, SEEK_CUR));
    printf("seek end: %ld, before start: %ld\n", (long)lseek(a, -2, SEEK_END),
           (long)lseek(a, -100, SEEK_CUR));
    return 0;
}
