#!/usr/bin/env python3
# uringctl's kernel-facing subcommands (probe, msg-ring) against the running kernel: exit codes and
# the exact lines that show the work was really done. SKIP (77) where io_uring is unavailable.
import re
import subprocess
import sys

uringctl = sys.argv[1]
failures = 0


def run(*args):
    p = subprocess.run([uringctl, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def check(name, ok, detail=""):
    global failures
    print(("ok   " if ok else "FAIL ") + name)
    if not ok:
        failures += 1
        print("     " + detail.replace("\n", "\n     "))


rc, out, err = run("probe")
if rc == 1 and "io_uring_setup failed" in err:
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
for bad in (["0"], ["1001"], ["x"], ["1", "2"]):
    rc, out, err = run("msg-ring", *bad)
    check(f"msg-ring {' '.join(bad)}: exit 2, one line on stderr, nothing on stdout",
          rc == 2 and out == "" and err.count("\n") == 1, f"rc={rc} out={out!r} err={err!r}")

print(f"{failures} failed")
sys.exit(1 if failures else 0)
