/*
 * The machine's limit for the socket benchmarks: a plain C client doing the
 * same job as a case of bench/net_cases.lua or bench/lib_cases.lua (the same
 * peer, the same bytes, the same checks, the same timed region, timed by
 * the same stopwatch), with no Lua and no library in between. bench/run
 * runs it beside C LuaSocket and ours in every round; the table shows what
 * each implementation gets of it, so it says where headroom is left.
 *
 * It does each job the way a C program would: one system call per message
 * where the Lua case makes one call per message (send, round trips,
 * connect), and reads of 256 KiB where the case consumes a stream (a
 * library is free to read ahead, and ours does). It prints
 * "IMPL C client limit", a CPU line as bench/harness.lua describes it and
 * "RESULT <number>", in the case's unit, and exits 3 when a data check
 * fails.
 *
 * usage: limit PORT MODE ARGS   (BENCH_STOPWATCH as for the Lua cases)
 *   lines N LEN lf|crlf       read N lines of LEN bytes (end included)
 *   bytes TOTAL BLOCK         read TOTAL bytes of the peer's pattern
 *   recvall TOTAL BLOCK       read to end of stream into one buffer
 *   send N fill|block LEN [I J]
 *                             send N messages: LEN bytes of 's', or the
 *                             LEN-byte pattern (bytes I to J of it)
 *   pingpong N SIZE           N round trips of SIZE bytes over TCP
 *   udp N SIZE                N round trips of SIZE bytes over UDP
 *   udpto N SIZE              the same from an unconnected socket (sendto)
 *   churn N                   N connects and closes
 *   http PATH close|keepalive SIZE BUDGET
 *                             GETs of PATH (SIZE bytes) from nginx for
 *                             about BUDGET seconds (as the Lua case sizes
 *                             its run), a connection each or one kept
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define READ_SIZE (256 * 1024)

static int port;
static FILE *marks, *replies;

static void die(const char *what) {
    perror(what);
    exit(4);
}

static void check(int cond, const char *msg) {
    if (!cond) {
        fprintf(stderr, "DATA CHECK FAILED: %s\n", msg);
        exit(3);
    }
}

/* --- the stopwatch (bench/stopwatch.c), as bench/harness.lua uses it --- */

static void open_stopwatch(void) {
    const char *spec = getenv("BENCH_STOPWATCH");
    int w, r;
    if (!spec || sscanf(spec, "%d %d", &w, &r) != 2) {
        fprintf(stderr, "BENCH_STOPWATCH not set (run through bench/run)\n");
        exit(4);
    }
    marks = fdopen(w, "w");
    replies = fdopen(r, "r");
    if (!marks || !replies) die("stopwatch");
    setvbuf(marks, NULL, _IONBF, 0);
}

/* The process's CPU time and the wall time of the last timed region, for
 * the CPU line (as bench/harness.lua reports it). */
static double cpu_at_start, region_cpu, region_wall;

static double cpu_seconds(void) {
    struct timespec t;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t) < 0) die("clock_gettime");
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void start(void) {
    fputc('s', marks);
    if (fgetc(replies) != 's') die("stopwatch");
    cpu_at_start = cpu_seconds();
}

static double stop(void) {
    char line[64];
    region_cpu = cpu_seconds() - cpu_at_start;
    fputc('e', marks);
    if (!fgets(line, sizeof line, replies)) die("stopwatch");
    region_wall = strtod(line, NULL);
    return region_wall;
}

/* --- sockets ------------------------------------------------------------ */

/* The peer's address: 127.0.0.1:port. */
static struct sockaddr_in peer_addr(void) {
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static int connect_to(int type) {
    int fd = socket(AF_INET, type, 0);
    if (fd < 0) die("socket");
    struct sockaddr_in a = peer_addr();
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) die("connect");
    return fd;
}

static void send_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EINTR) continue;
            die("send");
        }
        p += k;
        n -= (size_t)k;
    }
}

static size_t recv_some(int fd, char *buf, size_t n) {
    for (;;) {
        ssize_t k = recv(fd, buf, n, 0);
        if (k >= 0) return (size_t)k;
        if (errno != EINTR) die("recv");
    }
}

static void recv_exact(int fd, char *buf, size_t n) {
    while (n > 0) {
        size_t k = recv_some(fd, buf, n);
        check(k > 0, "connection closed early");
        buf += k;
        n -= k;
    }
}

/* The peer's pattern: byte i of a BLEN-byte block is i * 7 % 251. */
static char *block(size_t blen) {
    char *b = malloc(blen);
    for (size_t i = 0; i < blen; i++) b[i] = (char)(i * 7 % 251);
    return b;
}

/* The pattern repeated, long enough to compare a read of up to `most`
 * bytes at any offset into the block. */
static char *window(size_t blen, size_t most) {
    size_t reps = most / blen + 2;
    char *b = block(blen), *w = malloc(reps * blen);
    for (size_t i = 0; i < reps; i++) memcpy(w + i * blen, b, blen);
    free(b);
    return w;
}

/* --- the jobs ----------------------------------------------------------- */

static double lines(long n, size_t len, int crlf) {
    int fd = connect_to(SOCK_STREAM);
    char *want = malloc(len);
    for (size_t i = 0; i < len; i++) want[i] = (char)('a' + i % 26);
    if (crlf) want[len - 2] = '\r';
    want[len - 1] = '\n';
    size_t cap = READ_SIZE + len;
    char *buf = malloc(cap);
    size_t have = 0;
    long got = 0;
    start();
    while (got < n) {
        size_t k = recv_some(fd, buf + have, cap - have);
        check(k > 0, "stream ended early");
        have += k;
        char *p = buf, *end = buf + have, *nl;
        while (got < n && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
            check((size_t)(nl + 1 - p) == len && memcmp(p, want, len) == 0, "line differs");
            got++;
            p = nl + 1;
        }
        have = (size_t)(end - p);
        memmove(buf, p, have);
    }
    double dt = stop();
    close(fd);
    return (double)n * (double)len / dt / 1e6;
}

static double bytes(unsigned long long total, size_t blen) {
    int fd = connect_to(SOCK_STREAM);
    char *w = window(blen, READ_SIZE), *buf = malloc(READ_SIZE);
    unsigned long long got = 0;
    start();
    while (got < total) {
        size_t want = total - got < READ_SIZE ? (size_t)(total - got) : READ_SIZE;
        size_t k = recv_some(fd, buf, want);
        check(k > 0, "stream ended early");
        check(memcmp(buf, w + got % blen, k) == 0, "data differs");
        got += k;
    }
    double dt = stop();
    close(fd);
    return (double)total / dt / 1e6;
}

static double recvall(unsigned long long total, size_t blen) {
    int fd = connect_to(SOCK_STREAM);
    size_t cap = 1 << 16, have = 0;
    char *buf;
    start();
    buf = malloc(cap);
    for (;;) {
        if (cap - have < READ_SIZE) {
            cap *= 2;
            buf = realloc(buf, cap);
            if (!buf) die("realloc");
        }
        size_t k = recv_some(fd, buf + have, READ_SIZE);
        if (k == 0) break;
        have += k;
    }
    double dt = stop();
    close(fd);
    check(have == total, "wrong length");
    char *b = block(blen);
    for (size_t at = 0; at < have; at += blen) {
        size_t n = have - at < blen ? have - at : blen;
        check(memcmp(buf + at, b, n) == 0, "data differs");
    }
    return (double)total / dt / 1e6;
}

static double send_many(long n, const char *piece, size_t len) {
    int fd = connect_to(SOCK_STREAM);
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i++) sum += (unsigned char)piece[i];
    start();
    for (long i = 0; i < n; i++) send_all(fd, piece, len);
    shutdown(fd, SHUT_WR);
    char reply[64];
    size_t have = 0;
    while (have < sizeof reply - 1) {
        size_t k = recv_some(fd, reply + have, sizeof reply - 1 - have);
        if (k == 0) break;
        have += k;
        if (memchr(reply, '\n', have)) break;
    }
    double dt = stop();
    reply[have] = 0;
    close(fd);
    unsigned long long total;
    unsigned got_sum;
    check(sscanf(reply, "%llu %u", &total, &got_sum) == 2, "no reply from the peer");
    check(total == (unsigned long long)n * len, "peer got a different byte count");
    check(got_sum == (uint32_t)(sum * (uint32_t)n), "peer checksum differs");
    return (double)n * (double)len / dt / 1e6;
}

static double round_trips(int type, long n, size_t size) {
    int fd = connect_to(type);
    int one = 1;
    if (type == SOCK_STREAM) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char *msg = malloc(size), *buf = malloc(size + 1);
    memset(msg, type == SOCK_STREAM ? 'p' : 'u', size);
    start();
    for (long i = 0; i < n; i++) {
        send_all(fd, msg, size);
        if (type == SOCK_STREAM) {
            recv_exact(fd, buf, size);
        } else {
            check(recv_some(fd, buf, size + 1) == size, "datagram of another size");
        }
        check(memcmp(buf, msg, size) == 0, "echo differs");
    }
    double dt = stop();
    if (type == SOCK_DGRAM) send(fd, "", 0, 0); /* the peer's end mark */
    close(fd);
    return (double)n / dt;
}

/* UDP round trips from an unbound socket: sendto and recvfrom each time,
 * as a program answering many peers does. */
static double round_trips_to(long n, size_t size) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) die("socket");
    struct sockaddr_in a = peer_addr();
    char *msg = malloc(size), *buf = malloc(size + 1);
    memset(msg, 'u', size);
    start();
    for (long i = 0; i < n; i++) {
        if (sendto(fd, msg, size, 0, (struct sockaddr *)&a, sizeof a) != (ssize_t)size) die("sendto");
        struct sockaddr_in from;
        socklen_t flen = sizeof from;
        ssize_t k;
        do k = recvfrom(fd, buf, size + 1, 0, (struct sockaddr *)&from, &flen);
        while (k < 0 && errno == EINTR);
        check(k == (ssize_t)size, "datagram of another size");
        check(memcmp(buf, msg, size) == 0, "echo differs");
    }
    double dt = stop();
    sendto(fd, "", 0, 0, (struct sockaddr *)&a, sizeof a); /* the peer's end mark */
    close(fd);
    return (double)n / dt;
}

static double churn(long n) {
    start();
    for (long i = 0; i < n; i++) close(connect_to(SOCK_STREAM));
    return (double)n / stop();
}

/* --- HTTP against nginx ----------------------------------------------- */

static int http_fd = -1;

/* One GET of `path`; returns the body (malloc'd, `size` bytes checked
 * against `want` if given, else against the numbered blocks of /big.bin). */
static char *http_get(const char *path, int keepalive, size_t size, const char *want) {
    char req[512];
    int rl = snprintf(req, sizeof req,
                      "GET %s HTTP/1.1\r\nhost: 127.0.0.1:%d\r\nconnection: %s\r\n"
                      "user-agent: limit\r\n\r\n",
                      path, port, keepalive ? "keep-alive" : "close");
    for (int attempt = 0;; attempt++) {
        if (http_fd < 0) http_fd = connect_to(SOCK_STREAM);
        send_all(http_fd, req, (size_t)rl);
        static char head[8192];
        size_t have = 0;
        char *end = NULL;
        while (!end) {
            check(have < sizeof head - 1, "response head too long");
            size_t k = recv_some(http_fd, head + have, sizeof head - 1 - have);
            if (k == 0) break;
            have += k;
            head[have] = 0;
            end = strstr(head, "\r\n\r\n");
        }
        if (!end && have == 0 && keepalive && attempt == 0) {
            /* the server closed the kept connection: one new one */
            close(http_fd);
            http_fd = -1;
            continue;
        }
        check(end != NULL, "no response head");
        check(strncmp(head, "HTTP/1.1 200 ", 13) == 0, "status is not 200");
        char *cl = strcasestr(head, "\r\ncontent-length:");
        check(cl && cl < end && (size_t)strtoull(cl + 17, NULL, 10) == size, "wrong content-length");
        int server_closes = !keepalive || (strcasestr(head, "\r\nconnection: close") != NULL &&
                                           strcasestr(head, "\r\nconnection: close") < end);
        char *body = malloc(size ? size : 1);
        size_t in_head = have - (size_t)(end + 4 - head);
        check(in_head <= size, "more bytes than the body");
        memcpy(body, end + 4, in_head);
        recv_exact(http_fd, body + in_head, size - in_head);
        if (want) {
            check(memcmp(body, want, size) == 0, "body differs");
        }
        if (server_closes) {
            close(http_fd);
            http_fd = -1;
        }
        return body;
    }
}

static void check_big(const char *body, size_t size) {
    char *pattern = block(65536);
    for (size_t i = 0; i < size / 65536; i++) {
        char num[32];
        snprintf(num, sizeof num, "%08zu\n", i);
        check(memcmp(body + i * 65536, num, 9) == 0 &&
              memcmp(body + i * 65536 + 9, pattern + 9, 65536 - 9) == 0, "large body differs");
    }
    free(pattern);
}

static double http(const char *path, int keepalive, size_t size, double budget) {
    const char *small = "hello, world\n"; /* what bench/run serves as /small.txt */
    const char *want = size == strlen(small) ? small : NULL;
    char *body;
    /* as the Lua case: one untimed request, 3 timed to size the run, then a
     * fixed number that fills the budget, timed as one region */
    free(http_get(path, keepalive, size, want));
    start();
    for (int i = 0; i < 3; i++) free(http_get(path, keepalive, size, want));
    double probe = stop();
    long n = (long)ceil(3 * budget / probe);
    if (n < 3) n = 3;
    body = NULL;
    start();
    for (long i = 0; i < n; i++) {
        free(body);
        body = http_get(path, keepalive, size, want);
    }
    double dt = stop();
    if (!want) check_big(body, size);
    free(body);
    return want ? (double)n / dt : (double)n * (double)size / dt / 1e6;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: limit PORT MODE ARGS\n");
        return 2;
    }
    port = atoi(argv[1]);
    const char *mode = argv[2];
    char **a = argv + 3;
    int na = argc - 3;
    open_stopwatch();
    double r;
    if (strcmp(mode, "lines") == 0 && na == 3) {
        r = lines(atol(a[0]), (size_t)atol(a[1]), strcmp(a[2], "crlf") == 0);
    } else if (strcmp(mode, "bytes") == 0 && na == 2) {
        r = bytes(strtoull(a[0], NULL, 10), (size_t)atol(a[1]));
    } else if (strcmp(mode, "recvall") == 0 && na == 2) {
        r = recvall(strtoull(a[0], NULL, 10), (size_t)atol(a[1]));
    } else if (strcmp(mode, "send") == 0 && (na == 3 || na == 5)) {
        size_t len = (size_t)atol(a[2]);
        char *piece = strcmp(a[1], "fill") == 0 ? memset(malloc(len), 's', len) : block(len);
        if (na == 5) {
            size_t i = (size_t)atol(a[3]), j = (size_t)atol(a[4]);
            r = send_many(atol(a[0]), piece + i - 1, j - i + 1);
        } else {
            r = send_many(atol(a[0]), piece, len);
        }
    } else if (strcmp(mode, "pingpong") == 0 && na == 2) {
        r = round_trips(SOCK_STREAM, atol(a[0]), (size_t)atol(a[1]));
    } else if (strcmp(mode, "udp") == 0 && na == 2) {
        r = round_trips(SOCK_DGRAM, atol(a[0]), (size_t)atol(a[1]));
    } else if (strcmp(mode, "udpto") == 0 && na == 2) {
        r = round_trips_to(atol(a[0]), (size_t)atol(a[1]));
    } else if (strcmp(mode, "churn") == 0 && na == 1) {
        r = churn(atol(a[0]));
    } else if (strcmp(mode, "http") == 0 && na == 4) {
        r = http(a[0], strcmp(a[1], "keepalive") == 0, (size_t)atol(a[2]), atof(a[3]));
    } else {
        fprintf(stderr, "limit: unknown mode or arguments: %s\n", mode);
        return 2;
    }
    printf("IMPL C client limit\n");
    if (region_wall > 0) printf("CPU %.6g %.6g\n", region_cpu, region_wall);
    printf("RESULT %.6g\n", r);
    return 0;
}
