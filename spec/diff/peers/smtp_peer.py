#!/usr/bin/env python3
"""SMTP peer for the differential harness (Python standard library only).

usage: smtp_peer.py --ready FILE --out FILE [--lifetime S] [--auth MECHS]
                    [--user U --password P] [--greeting TEXT] [--hang-data]

A line-level SMTP server on 127.0.0.1 (ephemeral port, written to --ready).
Every line it reads, data lines included, is appended to --out as
  R{c = connection number, l = "the line as received, CRLF included"}
so a run can compare exactly what the server got. Exits after --lifetime.

Replies: the greeting (--greeting, default "220 fixture.test ESMTP"; a 4xx
or 5xx greeting is followed by a close); EHLO/HELO 250 (multi-line, with
"AUTH <MECHS>" when --auth is given); AUTH LOGIN and AUTH PLAIN checked
against --user/--password (235 or 535); MAIL 250, or 553 when the address
holds "bad"; RCPT 250, or 550 when it holds "reject"; DATA 354, then 250
after the lone "." (--hang-data: no answer, to test timeouts); RSET/NOOP 250;
QUIT 221 and close; anything else 500. With --auth, MAIL before a
successful AUTH gets 530.
"""
import base64
import threading

import peerlib  # spec/diff/peers/peerlib.py, beside this file


lua_string = peerlib.lua_string


def main():
    def extra(parser):
        parser.add_argument("--auth")
        parser.add_argument("--user", default="ann")
        parser.add_argument("--password", default="s3cret")
        parser.add_argument("--greeting", default="220 fixture.test ESMTP")
        parser.add_argument("--hang-data", action="store_true")

    args = peerlib.arguments("SMTP peer", extra)
    lock = threading.Lock()
    counter = [0]

    def serve(conn, n):
        conn.settimeout(20)
        rfile = conn.makefile("rb")

        def record(line):
            with lock, open(args.out, "a") as f:
                f.write("R{c = %d, l = %s}\n" % (n, lua_string(line)))

        def send(text):
            conn.sendall(text.encode("latin-1") + b"\r\n")

        def readline():
            line = rfile.readline(1 << 20)
            if line:
                record(line)
            return line

        def decode(b):
            try:
                return base64.b64decode(b.strip(), validate=True).decode("latin-1")
            except Exception:
                return None

        send(args.greeting)
        if not args.greeting.startswith("2"):
            return
        authed = args.auth is None
        while True:
            line = readline()
            if not line:
                return
            text = line.rstrip(b"\r\n").decode("latin-1")
            verb = text.split(" ", 1)[0].upper()
            rest = text[len(verb) + 1:]
            if verb in ("EHLO", "HELO"):
                lines = ["fixture.test greets " + rest]
                if args.auth:
                    lines.append("AUTH " + args.auth)
                lines += ["8BITMIME", "HELP"]
                for i, l in enumerate(lines):
                    send("250" + ("-" if i < len(lines) - 1 else " ") + l)
            elif verb == "AUTH":
                mech, _, initial = rest.partition(" ")
                mech = mech.upper()
                user = password = None
                if mech == "LOGIN":
                    send("334 VXNlcm5hbWU6")
                    u = readline()
                    send("334 UGFzc3dvcmQ6")
                    p = readline()
                    user, password = decode(u or b""), decode(p or b"")
                elif mech == "PLAIN":
                    if not initial:
                        send("334 ")
                        initial = (readline() or b"").decode("latin-1")
                    d = decode(initial.encode("latin-1"))
                    if d is not None and d.count("\0") == 2:
                        _, user, password = d.split("\0")
                else:
                    send("504 unrecognised mechanism")
                    continue
                if user == args.user and password == args.password:
                    authed = True
                    send("235 2.7.0 Authentication successful")
                else:
                    send("535 5.7.8 Authentication credentials invalid")
            elif verb == "MAIL":
                if not authed:
                    send("530 5.7.0 Authentication required")
                elif "bad" in rest:
                    send("553 5.1.8 sender refused")
                else:
                    send("250 2.1.0 sender ok")
            elif verb == "RCPT":
                if "reject" in rest:
                    send("550 5.1.1 no such user")
                else:
                    send("250 2.1.5 recipient ok")
            elif verb == "DATA":
                send("354 end data with <CR><LF>.<CR><LF>")
                while True:
                    d = readline()
                    if not d or d in (b".\r\n", b".\n"):
                        break
                if not d:
                    return
                if args.hang_data:
                    readline()
                    return
                send("250 2.0.0 message accepted")
            elif verb in ("RSET", "NOOP"):
                send("250 2.0.0 ok")
            elif verb == "QUIT":
                send("221 2.0.0 bye")
                return
            else:
                send("500 5.5.2 command not recognised")

    def run(conn, n):
        try:
            serve(conn, n)
        except OSError:
            pass
        finally:
            conn.close()

    listener = peerlib.listen(args)
    while True:
        conn, _ = listener.accept()
        counter[0] += 1
        threading.Thread(target=run, args=(conn, counter[0]), daemon=True).start()


if __name__ == "__main__":
    main()
