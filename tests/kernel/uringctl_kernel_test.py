#!/usr/bin/env python3
# uringctl's kernel-facing subcommands (probe, msg-ring) against the running kernel: exit codes and
# the exact lines that show the work was really done. SKIP (77) where io_uring is unavailable.
import re
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from checks import check, finish  # noqa: E402

uringctl = sys.argv[1]


def run(*args):
    p = subprocess.run([uringctl, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr




rc, out, err = run("probe")
if rc == 1 and re.match(r"uringctl probe: io_uring_(setup|enter|register)\b.* failed: ", err):
    print("SKIP: io_uring unavailable: " + err.strip())
    sys.exit(77)
check("probe exits 0", rc == 0, err)
check("probe names the kernel", re.match(r"kernel: \S+ \S+\n", out) is not None, out[:200])
for op, name in ((20, "FILES_UPDATE"), (40, "MSG_RING")):
    check(f"probe lists {name} as supported",
          re.search(rf"^ +{op} {name} +yes$", out, re.M) is not None, out)
check("probe rejects arguments", run("probe", "x")[0] == 2)

rc, out, err = run("msg-ring", "3")
check("msg-ring exits 0", rc == 0, err)
check("msg-ring: the receiver got each of the 3 DATA messages once",
      sorted(re.findall(r"^receiver: message user_data=(0x[0-9a-f]+) len=(\d+) flags=0x0$",
                        out, re.M)) == [("0xa0", "100"), ("0xa1", "101"), ("0xa2", "102")], out)
check("msg-ring: the sender saw res 0 for each DATA message",
      len(re.findall(r"^sender: +DATA len=10[0-2] data=0xa[0-2] -> own CQE res=0$", out, re.M)) == 3,
      out)
check("msg-ring: the descriptor sent with SEND_FD works on the receiver",
      'main:     read from the pipe: "written by the receiver through its fixed slot"\n' in out,
      out)
# 1000 messages (the maximum): data 0xa0 + 93 was once the SEND_FD reply's tag 0xfd, and the
# output was cut at 16 KiB with exit 0. Every message, every sender line and the final read must be
# there, each exactly once.
rc, out, err = run("msg-ring", "1000")
check("msg-ring 1000 exits 0", rc == 0, f"rc={rc} err={err!r}")
got = re.findall(r"^receiver: message user_data=0x([0-9a-f]+) len=(\d+) flags=0x0$", out, re.M)
check("msg-ring 1000: the receiver got each of the 1000 DATA messages exactly once",
      sorted((int(d, 16), int(n)) for d, n in got) == [(0xa0 + i, 100 + i) for i in range(1000)],
      f"{len(got)} message lines; stderr {err!r}")
sent = re.findall(r"^sender: +DATA len=(\d+) data=0x([0-9a-f]+) -> own CQE res=0$", out, re.M)
check("msg-ring 1000: the sender saw res 0 for each of the 1000 DATA messages",
      sorted((int(d, 16), int(n)) for n, d in sent) == [(0xa0 + i, 100 + i) for i in range(1000)],
      f"{len(sent)} sender lines")
check("msg-ring 1000: exactly one SEND_FD reached the receiver, and its descriptor works",
      len(re.findall(r"^receiver: SEND_FD ", out, re.M)) == 1 and out.endswith(
          'main:     read from the pipe: "written by the receiver through its fixed slot"\n'),
      out[-400:])
# Output that cannot be written is a failure, not a silent exit 0.
with open("/dev/full", "w") as full:
    p = subprocess.run([uringctl, "msg-ring", "3"], stdout=full, stderr=subprocess.PIPE,
                       text=True, timeout=60)
check("msg-ring with stdout on /dev/full: exit 1, one line on stderr",
      p.returncode == 1 and p.stderr.count("\n") == 1 and "No space left" in p.stderr,
      f"rc={p.returncode} err={p.stderr!r}")

for bad in (["0"], ["1001"], ["x"], ["1", "2"]):
    rc, out, err = run("msg-ring", *bad)
    check(f"msg-ring {' '.join(bad)}: exit 2, one line on stderr, nothing on stdout",
          rc == 2 and out == "" and err.count("\n") == 1, f"rc={rc} out={out!r} err={err!r}")

finish()
