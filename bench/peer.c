/*
 * The neutral far end of the socket benchmarks: a small C server on
 * 127.0.0.1, the same for both implementations, so that only the Lua client
 * side differs. It prints its port on the first line of stdout, serves one
 * benchmark and exits.
 *
 * usage: peer MODE [ARGS]
 *   lines N LEN lf|crlf  send N lines of LEN bytes each (end included)
 *   bytes TOTAL BLOCK    send TOTAL bytes: a BLOCK-byte pattern repeated
 *                        (N or TOTAL 0: until the client closes)
 *   sink                 read to EOF, then reply "<bytes> <sum mod 2^32>\n"
 *   echo                 echo everything until EOF
 *   accept N [spin]      accept N connections; with spin, never sleeping
 *                        (see accept_spinning)
 *   hold N               accept N connections and keep them all open
 *                        (both: each connection is reset once the client has
 *                        closed it, see close_after_client)
 *   udpecho              echo datagrams until an empty one arrives
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *what) {
    perror(what);
    exit(1);
}

static int listen_on(int type) {
    int fd = socket(AF_INET, type, 0);
    if (fd < 0) die("socket");
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
    if (type == SOCK_STREAM && listen(fd, 4096) < 0) die("listen");
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    printf("%d\n", ntohs(a.sin_port));
    fflush(stdout);
    return fd;
}

static void send_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EINTR) continue;
            exit(0); /* the client went away: the benchmark is over */
        }
        p += k;
        n -= (size_t)k;
    }
}

/* A repeated block, sent in large writes. */
static void send_pattern(int fd, const char *block, size_t blen, unsigned long long total) {
    size_t reps = (1 << 20) / blen + 1;
    char *big = malloc(reps * blen);
    for (size_t i = 0; i < reps; i++) memcpy(big + i * blen, block, blen);
    size_t bigsize = reps * blen;
    while (total > 0) {
        size_t n = total < bigsize ? (size_t)total : bigsize;
        send_all(fd, big, n);
        total -= n;
    }
    free(big);
}

/* Closes with a reset (SO_LINGER 0) instead of a FIN, so the connection
 * leaves no TIME_WAIT entry behind on either end. The client side's would
 * hold its ephemeral port for 60 s: each run of churn or idle_memory left
 * thousands of them, and a later connect had to search past them for a free
 * port, so the connection rate depended on what had run in the minute
 * before (with 130,000 of them left, it fell from about 33,000 to 16,000
 * connections/s). */
static void close_reset(int fd) {
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}

/* Waits for the client's close (end of file), then resets the connection.
 * Resetting earlier could beat the client's connect to its completion. */
static void close_after_client(int fd) {
    char b[64];
    while (read(fd, b, sizeof b) > 0) {}
    close_reset(fd);
}

/* accept N spin: takes N connections without ever sleeping. Non-blocking
 * accepts and reads in a loop, each connection reset once the client has
 * closed it. A peer that slept in accept() had to be woken for each
 * connection, and on these virtual machines waking an idle CPU costs more
 * than a connection, so the churn rate followed how often the peer happened
 * to fall asleep (anywhere from 17,000 to 35,000 connections/s for either
 * implementation). It needs a core of its own: bench/run asks for it only
 * when it has pinned the client to another. */
static void accept_spinning(int lfd, long n) {
    int *open = malloc((size_t)n * sizeof(int));
    long nopen = 0, accepted = 0, closed = 0;
    while (closed < n) {
        if (accepted < n) {
            int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
            if (c >= 0) {
                open[nopen++] = c;
                accepted++;
            } else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
                die("accept");
            }
        }
        for (long i = 0; i < nopen;) {
            char b[64];
            ssize_t k = read(open[i], b, sizeof b);
            if (k > 0 || (k < 0 && (errno == EAGAIN || errno == EINTR))) {
                i++;
                continue;
            }
            close_reset(open[i]);
            open[i] = open[--nopen];
            closed++;
        }
    }
    free(open);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: peer MODE [ARGS]\n");
        return 2;
    }
    const char *mode = argv[1];
    if (strcmp(mode, "udpecho") == 0) {
        int fd = listen_on(SOCK_DGRAM);
        static char buf[65536];
        for (;;) {
            struct sockaddr_in from;
            socklen_t flen = sizeof from;
            ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
            if (n < 0) continue;
            if (n == 0) return 0;
            sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, flen);
        }
    }
    int lfd = listen_on(SOCK_STREAM);
    if (strcmp(mode, "accept") == 0 && argc > 3 && strcmp(argv[3], "spin") == 0) {
        accept_spinning(lfd, atol(argv[2]));
        return 0;
    }
    if (strcmp(mode, "accept") == 0 || strcmp(mode, "hold") == 0) {
        long n = argc > 2 ? atol(argv[2]) : 1;
        int hold = strcmp(mode, "hold") == 0;
        int *fds = hold ? calloc((size_t)n, sizeof(int)) : NULL;
        for (long i = 0; i < n; i++) {
            int c = accept(lfd, NULL, NULL);
            if (c < 0) {
                if (errno == EINTR || errno == ECONNABORTED) { i--; continue; }
                die("accept");
            }
            if (hold) fds[i] = c; else close_after_client(c);
        }
        for (long i = 0; hold && i < n; i++) close_after_client(fds[i]);
        return 0;
    }
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) die("accept");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (strcmp(mode, "lines") == 0) {
        long n = atol(argv[2]);
        size_t len = (size_t)atol(argv[3]);
        int crlf = strcmp(argv[4], "crlf") == 0;
        char *line = malloc(len);
        for (size_t i = 0; i < len; i++) line[i] = (char)('a' + i % 26);
        if (crlf) line[len - 2] = '\r';
        line[len - 1] = '\n';
        send_pattern(fd, line, len, n > 0 ? (unsigned long long)n * len : ~0ULL);
    } else if (strcmp(mode, "bytes") == 0) {
        unsigned long long total = strtoull(argv[2], NULL, 10);
        size_t blen = (size_t)atol(argv[3]);
        char *block = malloc(blen);
        for (size_t i = 0; i < blen; i++) block[i] = (char)(i * 7 % 251);
        send_pattern(fd, block, blen, total > 0 ? total : ~0ULL);
    } else if (strcmp(mode, "sink") == 0) {
        static unsigned char buf[1 << 16];
        unsigned long long total = 0;
        uint32_t sum = 0;
        for (;;) {
            ssize_t k = recv(fd, buf, sizeof buf, 0);
            if (k < 0 && errno == EINTR) continue;
            if (k <= 0) break;
            for (ssize_t i = 0; i < k; i++) sum += buf[i];
            total += (unsigned long long)k;
        }
        char reply[64];
        int rl = snprintf(reply, sizeof reply, "%llu %u\n", total, sum);
        send_all(fd, reply, (size_t)rl);
    } else if (strcmp(mode, "echo") == 0) {
        static char buf[1 << 16];
        for (;;) {
            ssize_t k = recv(fd, buf, sizeof buf, 0);
            if (k < 0 && errno == EINTR) continue;
            if (k <= 0) break;
            send_all(fd, buf, (size_t)k);
        }
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    shutdown(fd, SHUT_WR);
    /* drain until the client closes, so it never sees a reset */
    char b[4096];
    while (recv(fd, b, sizeof b, 0) > 0) {}
    close(fd);
    return 0;
}
