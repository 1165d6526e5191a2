#!/usr/bin/env python3
# uringctl load against echo servers in this script (threads with blocking sockets): exit 0 and the
# exact counts when every byte comes back, exit 1 with the exact number of mismatched bytes when the
# server flips one byte per message, exit 1 when nothing listens, and exit 2 with one line on stderr
# for each usage error.
import json
import socket
import os
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from checks import check, finish  # noqa: E402

uringctl = sys.argv[1]




def run(*args):
    p = subprocess.run([uringctl, "load", *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


class Echo:
    """Echoes on 127.0.0.1; with size, flips the first byte of every size-byte message."""

    def __init__(self, flip_every=None):
        self.flip_every = flip_every
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(256)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()

    def serve(self, c):
        offset = 0
        while True:
            data = c.recv(65536)
            if not data:
                break
            if self.flip_every:
                data = bytearray(data)
                for i in range(len(data)):
                    if (offset + i) % self.flip_every == 0:
                        data[i] ^= 0x40
            offset += len(data)
            c.sendall(data)
        c.close()

    def close(self):
        self.sock.close()


def load_args(port, c, k, m, s, *extra):
    return ["--port", str(port), "--connections", str(c), "--concurrency", str(k),
            "--messages", str(m), "--size", str(s), "--duration", "20", *extra]


good = Echo()
rc, out, err = run(*load_args(good.port, 40, 4, 5, 300, "--json"))
check("faithful echo: exit 0", rc == 0, out + err)
try:
    r = json.loads(out)
except ValueError:
    r = {}
check("faithful echo: --json is one line", out.count("\n") == 1, out)
check("faithful echo: exact counts",
      (r.get("connections_done"), r.get("messages_done"), r.get("bytes"), r.get("mismatches"),
       r.get("errors"), r.get("ok")) == (40, 200, 60000, 0, 0, True), out)

rc, out, err = run(*load_args(good.port, 10, 2, 3, 64, "--threads", "2"))
check("text summary: exit 0", rc == 0, out + err)
check("text summary names the rates and percentiles",
      "connections/s " in out and "messages/s " in out and "p99 " in out and "p99.9 " in out
      and out.rstrip().endswith("ok"), out)
good.close()

bad = Echo(flip_every=128)
rc, out, err = run(*load_args(bad.port, 12, 3, 4, 128, "--json"))
try:
    r = json.loads(out)
except ValueError:
    r = {}
check("corrupting echo: exit 1", rc == 1, out + err)
check("corrupting echo: one mismatched byte per message",
      (r.get("messages_done"), r.get("mismatches"), r.get("errors"), r.get("ok"))
      == (48, 48, 0, False), out)
bad.close()

# A port nobody listens on: bound then closed.
s = socket.socket()
s.bind(("127.0.0.1", 0))
free = s.getsockname()[1]
s.close()
rc, out, err = run(*load_args(free, 6, 2, 1, 8))
check("nothing listening: exit 1", rc == 1, out + err)
check("nothing listening: every connection failed",
      "failed connections 6: FAILED, first error: connect: Connection refused" in out, out)

for args, message in [
        ([], "uringctl load: --port is required (the server listens on 127.0.0.1:PORT)"),
        (["--port", "0"], "uringctl load: --port wants a whole number in 1..65535, not '0'"),
        (["--port", "80x"], "uringctl load: --port wants a whole number in 1..65535, not '80x'"),
        (["--port", "9", "--duration", "0"],
         "uringctl load: --duration wants seconds in (0, 86400], not '0'"),
        (["--port", "9", "--threads", "4", "--concurrency", "2"],
         "uringctl load: --threads must not exceed --concurrency or --connections"),
        (["--port", "9", "--address", "10.0.0.1"], "uringctl load: unknown option '--address'"),
        (["--port"], "uringctl load: missing value after '--port'")]:
    rc, out, err = run(*args)
    check(f"usage error {args}: exit 2, one line", rc == 2 and err == message + "\n" and out == "",
          (rc, out, err))

finish()
