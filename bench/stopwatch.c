/*
 * The benchmarks' clock: times the regions a case process marks, so that
 * no implementation under test is ever asked the time. bench/run starts one
 * per case process, its stdin the read end of a pipe the process writes
 * marks to, its stdout the write end of a pipe the process reads replies
 * from:
 *
 *   's'  start: the time is taken, then one byte 's' is written back; the
 *        process waits for it before it starts its timed work, so the start
 *        is never taken late
 *   'e'  end: the time is taken as the byte is read (never early), and the
 *        seconds since the last start are written back as "%.9f\n"
 *
 * So a measured region is never shorter than the work in it: it exceeds it
 * by the time the process takes to wake on the start reply and the time
 * this one takes to wake on the end mark (microseconds; both the same for
 * every implementation). Exits at end of file, or 2 on a mark out of turn.
 *
 * usage: stopwatch < MARKS > REPLIES
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void reply(const char *p, size_t n) {
    while (n > 0) {
        ssize_t k = write(1, p, n);
        if (k < 0) {
            if (errno == EINTR) continue;
            _exit(0); /* the process is gone */
        }
        p += k;
        n -= (size_t)k;
    }
}

int main(void) {
    double start = 0;
    int started = 0;
    for (;;) {
        char c;
        ssize_t k = read(0, &c, 1);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return 0;
        double t = now();
        if (c == 's' && !started) {
            start = t;
            started = 1;
            reply("s", 1);
        } else if (c == 'e' && started) {
            char line[64];
            int n = snprintf(line, sizeof line, "%.9f\n", t - start);
            started = 0;
            reply(line, (size_t)n);
        } else {
            fprintf(stderr, "stopwatch: mark '%c' out of turn\n", c);
            return 2;
        }
    }
}
