#!/usr/bin/env python3
# The process contract of `uringctl serve` that uringctl load, the bench and the README rely on:
# exactly one line `listening 127.0.0.1:<port>` on stdout once listening; every byte echoed; on
# SIGTERM or SIGINT a graceful stop, exit 0, and with --json the summary as one JSON object on the
# last stdout line; usage errors one line on stderr, exit 2.
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from checks import check, finish  # noqa: E402

uringctl = sys.argv[1]




def usage(*args):
    p = subprocess.run([uringctl, "serve", *args], capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


for args in ([], ["--port"], ["--port", "70000"], ["--port", "0", "--mode", "turbo"],
             ["--port", "0", "--workers", "0"], ["--port", "0", "--bogus"]):
    rc, out, err = usage(*args)
    check(f"serve {' '.join(args)}: usage error, exit 2, one line on stderr",
          rc == 2 and out == "" and err.count("\n") == 1 and err.startswith("uringctl serve: "),
          f"rc={rc} out={out!r} err={err!r}")


def client(port, index, results):
    data = bytes((index * 7 + i) % 256 for i in range(1000 + index * 100))
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(data)
            got = b""
            while len(got) < len(data):
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        results[index] = (got == data, len(data))
    except OSError as e:
        results[index] = (False, repr(e))


def run_server(mode_args, sig, clients=20):
    p = subprocess.Popen([uringctl, "serve", "--port", "0", "--json", *mode_args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    name = f"serve {' '.join(mode_args) or '(default)'} / {signal.Signals(sig).name}"
    ready, _, _ = select.select([p.stdout], [], [], 10)
    first = p.stdout.readline() if ready else ""
    m = re.fullmatch(r"listening 127\.0\.0\.1:(\d+)\n", first)
    check(f"{name}: first stdout line is 'listening 127.0.0.1:<port>'", m is not None, repr(first))
    if not m:
        p.kill()
        p.wait()
        return
    port = int(m.group(1))
    results = [None] * clients
    threads = [threading.Thread(target=client, args=(port, i, results)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(f"{name}: {clients} clients got every byte back",
          all(r and r[0] for r in results), results)
    total = sum(r[1] for r in results if r and r[0])
    p.send_signal(sig)
    try:
        out, err = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        check(f"{name}: exits after the signal", False, err)
        return
    check(f"{name}: exit 0", p.returncode == 0, f"rc={p.returncode} err={err!r}")
    lines = out.splitlines()
    try:
        summary = json.loads(lines[-1])
    except (IndexError, ValueError) as e:
        check(f"{name}: the last stdout line is a JSON object", False, f"{e}: {out!r}")
        return
    check(f"{name}: stdout is the listening line and the summary", len(lines) == 1, out)
    want = {"accepted": clients, "handed_off": clients, "closed": clients, "open": 0,
            "bytes_echoed": total}
    got = {k: summary.get(k) for k in want}
    check(f"{name}: summary counts {want}", got == want, summary)
    a = summary.get("acceptors", [{}])[0]
    check(f"{name}: no slot left, no accept failed, nothing dropped",
          a.get("slots_in_use") == 0 and a.get("accept_enfile") == 0
          and a.get("closed_at_stop") == 0 and a.get("handoff_errors") == 0, a)
    workers = summary.get("workers", [])
    check(f"{name}: per-worker served adds up, every worker table empty",
          sum(w.get("served", 0) for w in workers) == clients
          and all(w.get("open") == 0 for w in workers), workers)


run_server([], signal.SIGTERM)
run_server(["--mode", "shared", "--workers", "3"], signal.SIGINT)
run_server(["--mode", "sqpoll", "--acceptors", "2"], signal.SIGTERM)
run_server(["--plain-accept", "--slots", "4"], signal.SIGTERM)


# uringctl demo (the README's first command): server and load in one process, both summaries as
# JSON lines with --json, exit 0 only with every byte right and the server's books balanced.
p = subprocess.run([uringctl, "demo", "--seconds", "1", "--json"], capture_output=True, text=True,
                   timeout=60)
lines = p.stdout.strip().split("\n")
try:
    load, served = json.loads(lines[0]), json.loads(lines[1])
except (ValueError, IndexError):
    load, served = {}, {}
check("demo --seconds 1 --json: exit 0, two JSON lines", p.returncode == 0 and len(lines) == 2,
      f"rc={p.returncode} out={p.stdout!r} err={p.stderr!r}")
check("demo: load ok, no byte wrong, at least one connection done",
      load.get("ok") is True and load.get("mismatches") == 0
      and load.get("connections_done", 0) >= 1, load)
check("demo: accepted == handed off == closed >= connections done, nothing open",
      served.get("accepted") == served.get("handed_off") == served.get("closed")
      and served.get("accepted", 0) >= load.get("connections_done", 1) and served.get("open") == 0,
      served)
p = subprocess.run([uringctl, "demo"] + ["--seconds", "0"], capture_output=True, text=True,
                   timeout=30)
check("demo --seconds 0: usage error, exit 2, one line on stderr",
      p.returncode == 2 and p.stderr.count("\n") == 1 and p.stderr.startswith("uringctl demo: "),
      f"rc={p.returncode} err={p.stderr!r}")

finish()
