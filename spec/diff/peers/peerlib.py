"""What the differential harness's peers share: the command line every
peer takes (--ready, --out, --lifetime), the lifetime that ends a peer even
when the run that started it was killed, and the listening socket whose
port goes to the --ready file."""
import argparse
import os
import socket
import threading


def arguments(description, extra=None):
    """Parses --ready, --out and --lifetime (plus what `extra(parser)` adds),
    and starts the lifetime timer."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--ready", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--lifetime", type=float, default=60)
    if extra:
        extra(parser)
    args = parser.parse_args()
    timer = threading.Timer(args.lifetime, lambda: os._exit(0))
    timer.daemon = True
    timer.start()
    return args


def announce(args, port):
    """Creates the (empty) --out file, then writes `port` to --ready
    atomically: the harness starts talking once that file exists."""
    open(args.out, "w").close()
    with open(args.ready + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(args.ready + ".tmp", args.ready)


def listen(args):
    """A TCP listener on 127.0.0.1 (ephemeral port), announced."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    announce(args, listener.getsockname()[1])
    return listener


def lua_string(b):
    """Bytes as a Lua string literal (printable ASCII as is, the rest as \\ddd)."""
    return '"' + "".join(chr(c) if 32 <= c < 127 and c not in (34, 92) else "\\%03d" % c for c in b) + '"'
