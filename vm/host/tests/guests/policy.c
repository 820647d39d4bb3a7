/* Tries everything the policy forbids; prints one line per attempt with
   the errno it got, and reads the one allowed file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *what, int rc) {
    printf("%s: %s\n", what, rc < 0 ? strerror(errno) : "ALLOWED");
}

int main(int argc, char **argv) {
    report("open /etc/passwd", open("/etc/passwd", O_RDONLY));
    report("create file", open(argv[1], O_WRONLY | O_CREAT, 0644));
    report("fopen w", fopen(argv[1], "w") ? 0 : -1);
    report("socket", socket(AF_INET, SOCK_STREAM, 0));
    pid_t p = fork();
    if (p == 0) { write(1, "CHILD RAN\n", 10); _exit(0); }
    report("fork", p);
    char *args[] = {"/bin/true", NULL};
    report("execve", execve("/bin/true", args, NULL));
    report("open program file for writing", open(argv[2], O_RDWR));
    int fd = open(argv[2], O_RDONLY);
    report("open program file", fd);
    char buf[64] = {0};
    ssize_t n = read(fd, buf, sizeof buf - 1);
    struct stat st;
    fstat(fd, &st);
    printf("read %zd bytes: %s| size %lld\n", n, buf, (long long)st.st_size);
    lseek(fd, 5, SEEK_SET);
    memset(buf, 0, sizeof buf);
    read(fd, buf, 4);
    printf("after seek: %s\n", buf);
    char a[6] = {0}, b[7] = {0};
    struct iovec iov[2] = {{a, 5}, {b, 6}};
    lseek(fd, 0, SEEK_SET);
    ssize_t rv = readv(fd, iov, 2);
    char pb[7] = {0};
    ssize_t pr = pread(fd, pb, 6, 11);
    struct iovec out[3] = {{"readv:", 6}, {a, 5}, {"|", 1}};
    fflush(stdout);
    writev(1, out, 3);
    printf("%s (%zd) pread: %s (%zd)\n", b, rv, pb, pr);
    close(fd);
    report("read after close", read(fd, buf, 1));
    FILE *f = fopen(argv[2], "r");
    if (f && fgets(buf, sizeof buf, f)) printf("fopen: %s", buf);
    return 0;
}
