/*
 * powercut.so: an LD_PRELOAD shim that records, in order, every call that changes files under one
 * directory, with the bytes written, so that a power cut at any point can be replayed afterwards
 * (tests/faults/powercut.py): only what a sync made durable is certain to survive, anything else
 * may or may not have reached the disk.
 *
 *   POWERCUT_ROOT=/abs/dir POWERCUT_LOG=/abs/log LD_PRELOAD=powercut.so program ...
 *
 * A record: op (1 byte), pid (4), path length (4) + path, second path length (4) + path, offset (8),
 * data length (8) + data; written with one write(2) to a file opened O_APPEND, so that the records of
 * every thread and every process appear whole and in the order the calls returned.
 *
 * Ops: C created, T truncated (offset = new size), W written (at offset), S file synced, D directory
 * synced, Y everything synced (syncfs, sync), R renamed (path -> path2), L linked, U unlinked,
 * M directory made, K directory removed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_FDS 65536

static char root[PATH_MAX];
static size_t root_len;
static int log_fd = -1;
static char *fd_path[MAX_FDS];
static char fd_dir[MAX_FDS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

#define REAL(name) static __typeof__(name) *real_##name; if (!real_##name) real_##name = dlsym(RTLD_NEXT, #name)

__attribute__((constructor)) static void powercut_init(void) {
    const char *r = getenv("POWERCUT_ROOT"), *l = getenv("POWERCUT_LOG");
    if (!r || !l || strlen(r) >= sizeof root) return;
    strcpy(root, r);
    root_len = strlen(root);
    while (root_len > 1 && root[root_len - 1] == '/') root[--root_len] = 0;
    log_fd = (int)syscall(SYS_openat, AT_FDCWD, l, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}

static void put(char **p, const void *src, size_t n) { memcpy(*p, src, n); *p += n; }

static void record(char op, const char *path, const char *path2, int64_t offset, const void *data, uint64_t size) {
    if (log_fd < 0) return;
    uint32_t l1 = path ? (uint32_t)strlen(path) : 0, l2 = path2 ? (uint32_t)strlen(path2) : 0;
    int32_t pid = (int32_t)getpid();
    size_t total = 1 + 4 + 4 + l1 + 4 + l2 + 8 + 8 + size;
    char *buf = malloc(total), *p = buf;
    if (!buf) return;
    put(&p, &op, 1); put(&p, &pid, 4);
    put(&p, &l1, 4); if (l1) put(&p, path, l1);
    put(&p, &l2, 4); if (l2) put(&p, path2, l2);
    put(&p, &offset, 8); put(&p, &size, 8);
    if (size) put(&p, data, size);
    size_t done = 0;
    while (done < total) {
        long n = syscall(SYS_write, log_fd, buf + done, total - done);
        if (n <= 0) { if (n < 0 && errno == EINTR) continue; break; }
        done += (size_t)n;
    }
    free(buf);
}

/* "/a/./b//c/../d" -> "/a/b/d" (no symlinks resolved: the paths of the test are plain). */
static void normalize(char *path) {
    char out[PATH_MAX]; size_t n = 0; const char *s = path;
    out[0] = 0;
    while (*s) {
        while (*s == '/') s++;
        const char *e = s; while (*e && *e != '/') e++;
        size_t len = (size_t)(e - s);
        if (len == 0) break;
        if (len == 1 && s[0] == '.') { s = e; continue; }
        if (len == 2 && s[0] == '.' && s[1] == '.') { while (n > 0 && out[n - 1] != '/') n--; if (n > 0) n--; out[n] = 0; s = e; continue; }
        if (n + 1 + len >= sizeof out) return;
        out[n++] = '/'; memcpy(out + n, s, len); n += len; out[n] = 0; s = e;
    }
    if (n == 0) { out[0] = '/'; out[1] = 0; }
    strcpy(path, out);
}

/* The absolute path of `path` (relative to `dirfd`), in `out`; 0 if it is not under the root. */
static int resolve(int dirfd, const char *path, char *out) {
    if (log_fd < 0 || !path) return 0;
    char base[PATH_MAX];
    if (path[0] == '/') { if (strlen(path) >= PATH_MAX) return 0; strcpy(out, path); }
    else {
        if (dirfd == AT_FDCWD) { if (!getcwd(base, sizeof base)) return 0; }
        else if (dirfd >= 0 && dirfd < MAX_FDS && fd_path[dirfd]) strcpy(base, fd_path[dirfd]);
        else {
            char link[64]; snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
            ssize_t n = readlink(link, base, sizeof base - 1); if (n < 0) return 0; base[n] = 0;
        }
        size_t lb = strlen(base), lp = strlen(path);
        if (lb + 1 + lp >= PATH_MAX) return 0;
        memcpy(out, base, lb); out[lb] = '/'; memcpy(out + lb + 1, path, lp + 1);
    }
    normalize(out);
    return strncmp(out, root, root_len) == 0 && (out[root_len] == '/' || out[root_len] == 0);
}

static int after_open(int fd, const char *abs, int flags, int existed, int watched) {
    if (fd < 0 || !watched || fd >= MAX_FDS) return fd;
    struct stat st; int is_dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
    pthread_mutex_lock(&lock);
    free(fd_path[fd]); fd_path[fd] = strdup(abs); fd_dir[fd] = (char)is_dir;
    if (!is_dir) {
        if ((flags & O_CREAT) && !existed) record('C', abs, NULL, 0, NULL, 0);
        if ((flags & O_TRUNC) && existed && (flags & O_ACCMODE) != O_RDONLY) record('T', abs, NULL, 0, NULL, 0);
    }
    pthread_mutex_unlock(&lock);
    return fd;
}

static int exists_at(int dirfd, const char *path) {
    struct stat st; return fstatat(dirfd, path, &st, 0) == 0;
}

static int do_openat(int dirfd, const char *path, int flags, mode_t mode) {
    static int (*real)(int, const char *, int, ...);
    if (!real) real = dlsym(RTLD_NEXT, "openat");
    char abs[PATH_MAX]; int watched = resolve(dirfd, path, abs);
    int existed = watched ? exists_at(dirfd, path) : 1;
    int fd = real(dirfd, path, flags, mode);
    return after_open(fd, abs, flags, existed, watched);
}

#define MODE_ARG mode_t mode = 0; if (flags & (O_CREAT | O_TMPFILE)) { va_list ap; va_start(ap, flags); mode = (mode_t)va_arg(ap, int); va_end(ap); }
int open(const char *path, int flags, ...) { MODE_ARG; return do_openat(AT_FDCWD, path, flags, mode); }
int open64(const char *path, int flags, ...) { MODE_ARG; return do_openat(AT_FDCWD, path, flags, mode); }
int openat(int dirfd, const char *path, int flags, ...) { MODE_ARG; return do_openat(dirfd, path, flags, mode); }
int openat64(int dirfd, const char *path, int flags, ...) { MODE_ARG; return do_openat(dirfd, path, flags, mode); }
int __open_2(const char *path, int flags) { return do_openat(AT_FDCWD, path, flags, 0); }
int __open64_2(const char *path, int flags) { return do_openat(AT_FDCWD, path, flags, 0); }
int __openat_2(int dirfd, const char *path, int flags) { return do_openat(dirfd, path, flags, 0); }
int __openat64_2(int dirfd, const char *path, int flags) { return do_openat(dirfd, path, flags, 0); }
int creat(const char *path, mode_t mode) { return do_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode); }
int creat64(const char *path, mode_t mode) { return do_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode); }

int close(int fd) {
    REAL(close);
    if (fd >= 0 && fd < MAX_FDS && fd_path[fd]) {
        pthread_mutex_lock(&lock); free(fd_path[fd]); fd_path[fd] = NULL; fd_dir[fd] = 0; pthread_mutex_unlock(&lock);
    }
    return real_close(fd);
}

static int watched_file(int fd) { return fd >= 0 && fd < MAX_FDS && fd_path[fd] && !fd_dir[fd]; }

static int64_t position(int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0 && (flags & O_APPEND)) { struct stat st; return fstat(fd, &st) == 0 ? (int64_t)st.st_size : 0; }
    return (int64_t)lseek(fd, 0, SEEK_CUR);
}

ssize_t write(int fd, const void *buf, size_t n) {
    REAL(write);
    if (!watched_file(fd)) return real_write(fd, buf, n);
    pthread_mutex_lock(&lock);
    int64_t at = position(fd);
    ssize_t r = real_write(fd, buf, n);
    if (r > 0) record('W', fd_path[fd], NULL, at, buf, (uint64_t)r);
    pthread_mutex_unlock(&lock);
    return r;
}

ssize_t writev(int fd, const struct iovec *iov, int count) {
    REAL(writev);
    if (!watched_file(fd)) return real_writev(fd, iov, count);
    pthread_mutex_lock(&lock);
    int64_t at = position(fd);
    ssize_t r = real_writev(fd, iov, count);
    for (int i = 0; r > 0 && i < count; i++) {
        size_t part = (size_t)r < iov[i].iov_len ? (size_t)r : iov[i].iov_len;
        record('W', fd_path[fd], NULL, at, iov[i].iov_base, part);
        at += (int64_t)part; r -= (ssize_t)part;
    }
    pthread_mutex_unlock(&lock);
    return r;
}

static ssize_t do_pwrite(int fd, const void *buf, size_t n, off_t off, ssize_t (*real)(int, const void *, size_t, off_t)) {
    ssize_t r = real(fd, buf, n, off);
    if (r > 0 && watched_file(fd)) { pthread_mutex_lock(&lock); record('W', fd_path[fd], NULL, (int64_t)off, buf, (uint64_t)r); pthread_mutex_unlock(&lock); }
    return r;
}
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) { REAL(pwrite); return do_pwrite(fd, buf, n, off, real_pwrite); }
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) { REAL(pwrite64); return do_pwrite(fd, buf, n, off, real_pwrite64); }

static int do_ftruncate(int fd, off_t len, int (*real)(int, off_t)) {
    int r = real(fd, len);
    if (r == 0 && watched_file(fd)) { pthread_mutex_lock(&lock); record('T', fd_path[fd], NULL, (int64_t)len, NULL, 0); pthread_mutex_unlock(&lock); }
    return r;
}
int ftruncate(int fd, off_t len) { REAL(ftruncate); return do_ftruncate(fd, len, real_ftruncate); }
int ftruncate64(int fd, off_t len) { REAL(ftruncate64); return do_ftruncate(fd, len, real_ftruncate64); }

static int synced(int fd, int r) {
    if (r == 0 && fd >= 0 && fd < MAX_FDS && fd_path[fd]) {
        pthread_mutex_lock(&lock); record(fd_dir[fd] ? 'D' : 'S', fd_path[fd], NULL, 0, NULL, 0); pthread_mutex_unlock(&lock);
    }
    return r;
}
int fsync(int fd) { REAL(fsync); return synced(fd, real_fsync(fd)); }
int fdatasync(int fd) { REAL(fdatasync); return synced(fd, real_fdatasync(fd)); }
int syncfs(int fd) { REAL(syncfs); int r = real_syncfs(fd); if (r == 0) { pthread_mutex_lock(&lock); record('Y', NULL, NULL, 0, NULL, 0); pthread_mutex_unlock(&lock); } return r; }
void sync(void) { REAL(sync); real_sync(); pthread_mutex_lock(&lock); record('Y', NULL, NULL, 0, NULL, 0); pthread_mutex_unlock(&lock); }

static int two_paths(char op, int r, char *a1, char *a2, int w1, int w2) {
    if (r == 0 && (w1 || w2)) { pthread_mutex_lock(&lock); record(op, a1, a2, 0, NULL, 0); pthread_mutex_unlock(&lock); }
    return r;
}

int renameat2(int d1, const char *p1, int d2, const char *p2, unsigned int flags) {
    REAL(renameat2);
    char a1[PATH_MAX], a2[PATH_MAX]; int w1 = resolve(d1, p1, a1), w2 = resolve(d2, p2, a2);
    return two_paths('R', real_renameat2(d1, p1, d2, p2, flags), a1, a2, w1, w2);
}
int renameat(int d1, const char *p1, int d2, const char *p2) {
    REAL(renameat);
    char a1[PATH_MAX], a2[PATH_MAX]; int w1 = resolve(d1, p1, a1), w2 = resolve(d2, p2, a2);
    return two_paths('R', real_renameat(d1, p1, d2, p2), a1, a2, w1, w2);
}
int rename(const char *p1, const char *p2) {
    REAL(rename);
    char a1[PATH_MAX], a2[PATH_MAX]; int w1 = resolve(AT_FDCWD, p1, a1), w2 = resolve(AT_FDCWD, p2, a2);
    return two_paths('R', real_rename(p1, p2), a1, a2, w1, w2);
}
int linkat(int d1, const char *p1, int d2, const char *p2, int flags) {
    REAL(linkat);
    char a1[PATH_MAX], a2[PATH_MAX]; int w1 = resolve(d1, p1, a1), w2 = resolve(d2, p2, a2);
    return two_paths('L', real_linkat(d1, p1, d2, p2, flags), a1, a2, w1, w2);
}
int link(const char *p1, const char *p2) {
    REAL(link);
    char a1[PATH_MAX], a2[PATH_MAX]; int w1 = resolve(AT_FDCWD, p1, a1), w2 = resolve(AT_FDCWD, p2, a2);
    return two_paths('L', real_link(p1, p2), a1, a2, w1, w2);
}

static int one_path(char op, int r, const char *abs, int w) {
    if (r == 0 && w) { pthread_mutex_lock(&lock); record(op, abs, NULL, 0, NULL, 0); pthread_mutex_unlock(&lock); }
    return r;
}
int unlinkat(int d, const char *p, int flags) {
    REAL(unlinkat); char a[PATH_MAX]; int w = resolve(d, p, a);
    return one_path((flags & AT_REMOVEDIR) ? 'K' : 'U', real_unlinkat(d, p, flags), a, w);
}
int unlink(const char *p) { REAL(unlink); char a[PATH_MAX]; int w = resolve(AT_FDCWD, p, a); return one_path('U', real_unlink(p), a, w); }
int rmdir(const char *p) { REAL(rmdir); char a[PATH_MAX]; int w = resolve(AT_FDCWD, p, a); return one_path('K', real_rmdir(p), a, w); }
int mkdirat(int d, const char *p, mode_t m) { REAL(mkdirat); char a[PATH_MAX]; int w = resolve(d, p, a); return one_path('M', real_mkdirat(d, p, m), a, w); }
int mkdir(const char *p, mode_t m) { REAL(mkdir); char a[PATH_MAX]; int w = resolve(AT_FDCWD, p, a); return one_path('M', real_mkdir(p, m), a, w); }

int dup(int fd) {
    REAL(dup); int r = real_dup(fd);
    if (r >= 0 && r < MAX_FDS && fd >= 0 && fd < MAX_FDS && fd_path[fd]) { pthread_mutex_lock(&lock); free(fd_path[r]); fd_path[r] = strdup(fd_path[fd]); fd_dir[r] = fd_dir[fd]; pthread_mutex_unlock(&lock); }
    return r;
}
int dup2(int fd, int to) {
    REAL(dup2); int r = real_dup2(fd, to);
    if (r >= 0 && r < MAX_FDS) {
        pthread_mutex_lock(&lock); free(fd_path[r]); fd_path[r] = NULL; fd_dir[r] = 0;
        if (fd >= 0 && fd < MAX_FDS && fd_path[fd]) { fd_path[r] = strdup(fd_path[fd]); fd_dir[r] = fd_dir[fd]; }
        pthread_mutex_unlock(&lock);
    }
    return r;
}
