#!/usr/bin/env python3
"""FTP peer for the differential harness, on pyftpdlib (Debian python3-pyftpdlib).

usage: ftp_peer.py --ready FILE --out FILE --root DIR [--lifetime S] [--no-epsv]

Serves DIR on 127.0.0.1 (ephemeral port, written to --ready). The user
alice / "secret" may read and write; "ftp" and "anonymous" (any password) may
only read. Every command line the server reads is appended to --out as
  R{c = connection number, l = "the line"}
so a run can compare what the server got. --no-epsv answers EPSV with 500,
as old servers do. Exits by itself after --lifetime seconds.
"""
import itertools
import logging
import sys

import peerlib  # spec/diff/peers/peerlib.py, beside this file

try:
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import FTPServer
except ImportError as exc:
    sys.exit("python3-pyftpdlib is not installed: %s" % exc)


def lua_string(s):
    return peerlib.lua_string(s.encode("utf-8", "surrogateescape"))


def main():
    def extra(parser):
        parser.add_argument("--root", required=True)
        parser.add_argument("--no-epsv", action="store_true")

    args = peerlib.arguments("FTP peer", extra)
    logging.basicConfig(level=logging.ERROR)

    class Authorizer(DummyAuthorizer):
        def validate_authentication(self, username, password, handler):
            if username == "ftp":
                return
            super().validate_authentication(username, password, handler)

    authorizer = Authorizer()
    authorizer.add_user("alice", "secret", args.root, perm="elradfmwMT")
    authorizer.add_anonymous(args.root, perm="elr")
    authorizer.add_user("ftp", "", args.root, perm="elr")

    numbers = itertools.count(1)

    class Handler(FTPHandler):
        def on_connect(self):
            self.number = next(numbers)

        def pre_process_command(self, line, cmd, arg):
            with open(args.out, "a") as f:
                f.write("R{c = %d, l = %s}\n" % (self.number, lua_string(line)))
            return super().pre_process_command(line, cmd, arg)

    Handler.authorizer = authorizer
    Handler.banner = "diff FTP peer ready"
    Handler.auth_failed_timeout = 0.05
    if args.no_epsv:
        Handler.proto_cmds = {k: v for k, v in FTPHandler.proto_cmds.items() if k != "EPSV"}

    server = FTPServer(("127.0.0.1", 0), Handler)
    peerlib.announce(args, server.socket.getsockname()[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
