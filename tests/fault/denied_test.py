#!/usr/bin/env python3
# Every io_uring system call denied one at a time by seccomp (tests/fault/deny), answering EPERM
# (kernel.io_uring_disabled, container profiles) or ENOSYS (a kernel without io_uring, some
# profiles): `uringctl probe` reports it in one line on stderr naming the system call and exits 1,
# and every kernel-suite executable reports SKIP (77) with one line naming it, never a FAIL and
# never a wrong answer. Usage: denied_test.py DENY URINGCTL KERNEL_TEST...
import errno
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from checks import check, finish  # noqa: E402

deny, uringctl, kernel_tests = sys.argv[1], sys.argv[2], sys.argv[3:]




def run(*args):
    p = subprocess.run([deny, *args], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


# Without a denial the environment must have io_uring, or there is nothing to take away.
p = subprocess.run([uringctl, "probe"], capture_output=True, text=True, timeout=60)
if p.returncode != 0:
    print("SKIP: io_uring unavailable here already: " + p.stderr.strip())
    sys.exit(77)

for call in ("setup", "enter", "register"):
    for err in ("EPERM", "ENOSYS"):
        text = os.strerror(getattr(errno, err))
        name = "io_uring_" + call
        rc, out, stderr = run(call, err, uringctl, "probe")
        lines = stderr.splitlines()
        check(f"{name} denied ({err}): uringctl probe exits 1 with one line naming it",
              rc == 1 and len(lines) == 1 and re.match(
                  rf"uringctl probe: {name}\b.* failed: {re.escape(text)}$", lines[0]) is not None,
              f"rc={rc} stderr={stderr!r}")
        check(f"{name} denied ({err}): uringctl probe lists no opcode",
              "opcodes:" not in out, out)
        for exe in kernel_tests:
            rc, out, stderr = run(call, err, exe)
            skips = re.findall(r"^SKIP: .*$", out, re.M)
            check(f"{name} denied ({err}): {os.path.basename(exe)} SKIPs with the reason",
                  rc == 77 and len(skips) == 1 and name in skips[0] and text in skips[0]
                  and out.count("\n") == 1,
                  f"rc={rc} stdout={out[-1500:]!r} stderr={stderr[-500:]!r}")

finish()
