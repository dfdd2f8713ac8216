#!/usr/bin/env python3
"""fake_redis.py - a hostile Redis server for the reply bounds.

Binds 127.0.0.1 on a free port, prints the port on the first line of
stdout and serves until killed.  It speaks just enough RESP: PING, AUTH,
SELECT and HELLO get +OK/+PONG; `GET <key>` answers by key:

  big       $536870912 and then the bytes, streamed (512 MiB)
  array     *100000000 and then :1 elements, streamed
  status    a status line that never ends
  deep      arrays nested 1000 deep
  secret:N:S:M  a bulk string: N 'x', then S, then M 'y'
  other     $-1 (nil)

Every stream stops when the client hangs up, and after 60 s at most.
"""
import socket
import socketserver
import sys
import time


def read_command(f):
    line = f.readline()
    if not line:
        return None
    if not line.startswith(b"*"):
        return line.split()
    args = []
    for _ in range(int(line[1:])):
        n = int(f.readline()[1:])
        args.append(f.read(n + 2)[:n])
    return args


class Handler(socketserver.StreamRequestHandler):
    def stream(self, head, chunk, total):
        end = time.monotonic() + 60
        self.wfile.write(head)
        sent = 0
        while sent < total and time.monotonic() < end:
            self.wfile.write(chunk)
            sent += len(chunk)

    def handle(self):
        try:
            while True:
                args = read_command(self.rfile)
                if args is None:
                    return
                name = args[0].upper() if args else b""
                if name == b"PING":
                    self.wfile.write(b"+PONG\r\n")
                elif name in (b"AUTH", b"SELECT", b"HELLO", b"CLIENT"):
                    self.wfile.write(b"+OK\r\n")
                elif name == b"GET" and len(args) > 1:
                    key = args[1]
                    if key == b"big":
                        self.stream(b"$536870912\r\n", b"z" * 65536, 536870912)
                    elif key == b"array":
                        self.stream(b"*100000000\r\n", b":1\r\n" * 16384, 100000000 * 4)
                    elif key == b"status":
                        self.stream(b"+", b"s" * 65536, 1 << 32)
                    elif key == b"deep":
                        self.wfile.write(b"*1\r\n" * 1000 + b":1\r\n")
                    elif key.startswith(b"secret:"):
                        _, n, s, m = key.split(b":", 3)
                        v = b"x" * int(n) + s + b"y" * int(m)
                        self.wfile.write(b"$%d\r\n%s\r\n" % (len(v), v))
                    else:
                        self.wfile.write(b"$-1\r\n")
                else:
                    self.wfile.write(b"-ERR unknown command\r\n")
                self.wfile.flush()
        except (ConnectionError, OSError):
            return


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
