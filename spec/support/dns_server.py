#!/usr/bin/env python3
"""A tiny DNS server for the specs: answers chosen names after a chosen delay.

Usage: dns_server.py ADDR PORT LOG RULE...
  RULE is NAME=ANSWERS@DELAY: ANSWERS is a comma-separated list of IPv4 and
  IPv6 addresses (A and AAAA answers), or NXDOMAIN; DELAY is in seconds.
  Any other name gets NXDOMAIN at once. Every query is appended to LOG as
  "NAME TYPE" (so a spec can tell that a lookup never reached the server).
Writes "ready" as LOG's first line once it listens. Standard library only; raw UDP, no EDNS.
"""
import socket
import struct
import sys
import threading

A, AAAA = 1, 28


def parse_rules(args):
    rules = {}
    for rule in args:
        name, rest = rule.split("=", 1)
        answers, delay = rest.rsplit("@", 1)
        rules[name.lower().rstrip(".")] = (answers, float(delay))
    return rules


def read_name(msg, off):
    labels = []
    while msg[off] != 0:
        n = msg[off]
        labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    return ".".join(labels), off + 1


def reply(query, rules):
    qid, flags = struct.unpack("!HH", query[:4])
    name, off = read_name(query, 12)
    qtype, _qclass = struct.unpack("!HH", query[off:off + 4])
    question = query[12:off + 4]
    answers, delay = rules.get(name.lower(), ("NXDOMAIN", 0.0))
    records = []
    rcode = 0
    if answers == "NXDOMAIN":
        rcode = 3
    else:
        for ip in answers.split(","):
            if ":" in ip and qtype == AAAA:
                records.append((AAAA, socket.inet_pton(socket.AF_INET6, ip)))
            elif ":" not in ip and qtype == A:
                records.append((A, socket.inet_pton(socket.AF_INET, ip)))
    # Response, recursion desired copied, recursion available.
    out_flags = 0x8000 | (flags & 0x0100) | 0x0080 | rcode
    head = struct.pack("!HHHHHH", qid, out_flags, 1, len(records), 0, 0)
    body = b"".join(
        # The name as a pointer to the question (offset 12).
        struct.pack("!HHHIH", 0xC00C, rtype, 1, 60, len(data)) + data
        for rtype, data in records
    )
    return name, qtype, delay, head + question + body


def main():
    addr, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rules = parse_rules(sys.argv[4:])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((addr, port))
    lock = threading.Lock()
    with open(log, "a") as f:
        f.write("ready\n")
    while True:
        query, peer = sock.recvfrom(4096)
        try:
            name, qtype, delay, answer = reply(query, rules)
        except (IndexError, struct.error):
            continue
        with lock, open(log, "a") as f:
            f.write("%s %d\n" % (name, qtype))
        # Each answer on its own timer: a slow name does not hold up others.
        threading.Timer(delay, sock.sendto, (answer, peer)).start()


if __name__ == "__main__":
    main()
