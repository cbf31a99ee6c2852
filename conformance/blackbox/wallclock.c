/* The harness's wall-clock shim (conformance/blackbox/clock.py builds it with the machine's C
 * compiler and preloads it with LD_PRELOAD): clock_gettime(CLOCK_REALTIME*), gettimeofday and
 * time read the instant in the file CLERK_HARNESS_CLOCK_FILE names, frozen there, or the real
 * time while it reads "+0" (or cannot be read). Every other clock (monotonic, CPU time) and
 * every other call is the C library's own, untouched: no timeout, sleep, condition variable or
 * event loop is rescaled. The file is re-read only when it changes (a stat per call: the
 * harness renames a new file over it), so a call costs about a microsecond. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct stat seen;       /* the file as last read */
static int faked;              /* 1: the file names an instant */
static struct timespec instant;

static clock_gettime_fn real_clock_gettime(void) {
    static clock_gettime_fn real;
    if (!real) real = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
    return real;
}

/* The file's instant into `instant`, `faked` set; re-read only when it changed. */
static void refresh(void) {
    const char *path = getenv("CLERK_HARNESS_CLOCK_FILE");
    struct stat now;
    if (!path || stat(path, &now) != 0) {
        faked = 0;
        return;
    }
    if (now.st_ino == seen.st_ino && now.st_mtim.tv_sec == seen.st_mtim.tv_sec &&
        now.st_mtim.tv_nsec == seen.st_mtim.tv_nsec && now.st_size == seen.st_size)
        return;
    char text[64] = {0};
    FILE *file = fopen(path, "r");
    if (!file) {
        faked = 0;
        return;
    }
    size_t length = fread(text, 1, sizeof text - 1, file);
    fclose(file);
    text[length] = '\0';
    seen = now;
    char *end = NULL;
    long double seconds = strtold(text, &end);
    faked = end != text && text[0] != '+';
    if (faked) {
        instant.tv_sec = (time_t)seconds;
        instant.tv_nsec = (long)((seconds - (long double)instant.tv_sec) * 1e9L);
    }
}

/* The faked instant, or 0 when the real time stands. */
static int fake(struct timespec *out) {
    pthread_mutex_lock(&lock);
    refresh();
    int active = faked;
    if (active) *out = instant;
    pthread_mutex_unlock(&lock);
    return active;
}

int clock_gettime(clockid_t clock, struct timespec *out) {
    if ((clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE) && fake(out))
        return 0;
    return real_clock_gettime()(clock, out);
}

int gettimeofday(struct timeval *restrict out, void *restrict zone) {
    struct timespec now;
    if (zone) memset(zone, 0, sizeof(struct timezone));
    if (clock_gettime(CLOCK_REALTIME, &now) != 0) return -1;
    out->tv_sec = now.tv_sec;
    out->tv_usec = now.tv_nsec / 1000;
    return 0;
}

time_t time(time_t *out) {
    struct timespec now;
    if (clock_gettime(CLOCK_REALTIME, &now) != 0) return (time_t)-1;
    if (out) *out = now.tv_sec;
    return now.tv_sec;
}
