#!/usr/bin/env python3
"""HTTP peer for the differential harness (Python standard library only).

usage: http_peer.py --ready FILE --out FILE [--lifetime SECONDS]

Binds 127.0.0.1 on an ephemeral port, writes it to --ready, and answers each
connection with one response, then closes it. Every request it reads is
appended to --out as one Lua statement
  R{method=, target=, version=, headers={"Name: value", ...}, body=, raw=}
(headers as sent, in order; body decoded; raw the body bytes as they came,
chunk framing included). Responses carry no Date or Server header, so they
are the same in every run. Exits by itself after --lifetime seconds.

Paths (the query selects variants):
  /echo               200, a fixed body, after reading the request body
  /len?n=N            200 with N bytes of a-z pattern
  /chunked?n=N&piece=K  N bytes in chunks of K, with extension and trailer
  /redirect?to=U&code=C C (302) with Location: U
  /loop               302 to /loop
  /hops?n=K           302 to /hops?n=K-1, then 200 "arrived"
  /status?code=C      C, a 5-byte body unless 1xx/204/304 (or HEAD)
  /continue           100 Continue, then 200
  /interim            103 Early Hints, then 200
  /auth               200 for Basic user:"p@ss word", else 401
  /raw?case=NAME      a canned response from RAW, then close
  /stall?secs=S       a head promising 10 bytes, 3 of them, then S seconds
  /slow?secs=S        nothing for S seconds, then 200
  /close              closes without answering
"""
import socket
import threading
import time
import urllib.parse

import peerlib  # spec/diff/peers/peerlib.py, beside this file

ALPHABET = b"abcdefghijklmnopqrstuvwxyz"


def pattern(n):
    return (ALPHABET * (n // 26 + 1))[:n]


RAW = {
    "bad-status": b"HTTP/1.1 abc\r\n\r\n",
    "http09": b"no status line, just a body\n",
    "short": b"HT",
    "empty": b"",
    "bad-header": b"HTTP/1.1 200 OK\r\nno colon in this line\r\n\r\nbody",
    "bad-chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
    "mid-body": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part of it",
    "mid-chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n64\r\nonly part",
    "mid-headers": b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n",
    "folded": b"HTTP/1.1 200 OK\r\nX-Folded: one\r\n  two\r\n\tthree\r\nContent-Length: 2\r\n\r\nok",
    "repeated": b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nX-One: 1\r\n"
    b"Content-Length: 2\r\n\r\nok",
    "until-close": b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nread me to the end\n",
    "lf-only": b"HTTP/1.1 200 OK\nContent-Length: 5\nX-Lf: yes\n\nhello",
    "no-reason": b"HTTP/1.1 404\r\nContent-Length: 3\r\n\r\nnot",
    "http10": b"HTTP/1.0 301 Moved\r\nContent-Length: 0\r\n\r\n",
    "spaces": b"HTTP/1.1 200 OK\r\nX-A:no-space\r\nX-B:    many   \r\nContent-Length: 0\r\n\r\n",
    "empty-value": b"HTTP/1.1 200 OK\r\nX-Empty:\r\nContent-Length: 1\r\n\r\nz",
    "chunk-upper": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n",
    "identity": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nContent-Length: 4\r\n\r\nfour",
    "length-and-close": b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef",
    "bad-version": b"HTTP/x.y 200 OK\r\nContent-Length: 2\r\n\r\nok",
}


def record(out, req):
    def lua(v):
        if isinstance(v, list):
            return "{" + ", ".join(lua(x) for x in v) + "}"
        if isinstance(v, str):
            v = v.encode("latin-1")
        return '"' + "".join(
            chr(b) if 32 <= b < 127 and b not in (34, 92) else "\\%03d" % b for b in v
        ) + '"'
    text = "R{" + ", ".join("%s = %s" % (k, lua(req[k])) for k in sorted(req)) + "}\n"
    with open(out, "a", encoding="latin-1") as f:
        f.write(text)


def read_request(rfile):
    line = rfile.readline(65537)
    if not line:
        return None
    parts = line.rstrip(b"\r\n").decode("latin-1").split(" ")
    req = {"line": line.rstrip(b"\r\n").decode("latin-1")}
    req["method"] = parts[0]
    req["target"] = parts[1] if len(parts) > 1 else ""
    req["version"] = parts[2] if len(parts) > 2 else ""
    headers = []
    while True:
        h = rfile.readline(65537)
        if h in (b"\r\n", b"\n", b""):
            break
        headers.append(h.rstrip(b"\r\n").decode("latin-1"))
    req["headers"] = headers
    lower = {}
    for h in headers:
        name, _, value = h.partition(":")
        lower[name.strip().lower()] = value.strip()
    raw = bytearray()
    body = bytearray()
    if lower.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size_line = rfile.readline(65537)
            raw += size_line
            if not size_line:
                break
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while True:
                    t = rfile.readline(65537)
                    raw += t
                    if t in (b"\r\n", b"\n", b""):
                        break
                break
            data = rfile.read(size)
            raw += data
            body += data
            raw += rfile.readline(65537)
    elif lower.get("content-length"):
        n = int(lower["content-length"])
        data = rfile.read(n)
        raw += data
        body += data
    req["raw"] = bytes(raw)
    req["body"] = bytes(body)
    return req, lower


def response(code, reason, body=b"", headers=(), length=True):
    head = "HTTP/1.1 %d %s\r\n" % (code, reason)
    for name, value in headers:
        head += "%s: %s\r\n" % (name, value)
    if length:
        head += "Content-Length: %d\r\n" % len(body)
    head += "Connection: close\r\n\r\n"
    return head.encode("latin-1") + body


def handle(conn, out):
    conn.settimeout(20)
    rfile = conn.makefile("rb")
    got = read_request(rfile)
    if got is None:
        return
    req, lower = got
    record(out, req)
    split = urllib.parse.urlsplit(req["target"])
    path = split.path
    args = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
    head_only = req["method"] == "HEAD"

    def send(data):
        conn.sendall(data)

    def reply(code, reason, body=b"", headers=()):
        data = response(code, reason, body, headers)
        if head_only:
            data = data[: data.index(b"\r\n\r\n") + 4]
        send(data)

    if path == "/echo":
        reply(200, "OK", b"hello from the peer\n", [("Content-Type", "text/plain"), ("X-Peer", "one")])
    elif path == "/len":
        reply(200, "OK", pattern(int(args.get("n", "10"))), [("Content-Type", "text/plain")])
    elif path == "/chunked":
        n = int(args.get("n", "100"))
        piece = max(1, int(args.get("piece", "10")))
        data = pattern(n)
        out_bytes = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Trailer\r\nConnection: close\r\n\r\n"
        if not head_only:
            for i in range(0, n, piece):
                part = data[i:i + piece]
                out_bytes += b"%x;ext=1\r\n%s\r\n" % (len(part), part)
            out_bytes += b"0\r\nX-Trailer: done\r\n\r\n"
        send(out_bytes)
    elif path == "/redirect":
        reply(int(args.get("code", "302")), "Moved", b"moved\n", [("Location", args.get("to", "/"))])
    elif path == "/loop":
        reply(302, "Found", b"again\n", [("Location", "/loop")])
    elif path == "/hops":
        n = int(args.get("n", "0"))
        if n <= 0:
            reply(200, "OK", b"arrived")
        else:
            reply(302, "Found", b"", [("Location", "/hops?n=%d" % (n - 1))])
    elif path == "/status":
        code = int(args.get("code", "200"))
        if code < 200 or code in (204, 304):
            send(("HTTP/1.1 %d Status\r\nConnection: close\r\n\r\n" % code).encode())
        else:
            reply(code, "Status", b"hello")
    elif path == "/continue":
        send(b"HTTP/1.1 100 Continue\r\n\r\n")
        reply(200, "OK", b"after continue")
    elif path == "/interim":
        send(b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n")
        reply(200, "OK", b"final")
    elif path == "/auth":
        import base64
        want = "Basic " + base64.b64encode(b"user:p@ss word").decode()
        if lower.get("authorization") == want:
            reply(200, "OK", b"welcome user")
        else:
            reply(401, "Unauthorized", b"who are you?", [("WWW-Authenticate", 'Basic realm="diff"')])
    elif path == "/raw":
        send(RAW[args.get("case", "empty")])
    elif path == "/stall":
        send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        time.sleep(float(args.get("secs", "2")))
    elif path == "/close":
        pass
    elif path == "/slow":
        time.sleep(float(args.get("secs", "2")))
        reply(200, "OK", b"late")
    else:
        reply(404, "Not Found", b"no such path\n", [("Content-Type", "text/plain")])


def serve(conn, out):
    try:
        handle(conn, out)
    except OSError:
        pass
    finally:
        try:
            conn.shutdown(socket.SHUT_WR)
            # let the client read everything before the close
            conn.settimeout(2)
            while conn.recv(65536):
                pass
        except OSError:
            pass
        conn.close()


def main():
    args = peerlib.arguments("HTTP peer")
    listener = peerlib.listen(args)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn, args.out), daemon=True).start()


if __name__ == "__main__":
    main()
