#!/usr/bin/env python3
# uringctl --version and probe --json: the exact version line, and a JSON object of the documented
# shape (docs/uringctl.1) that states the same facts as the text probe on this kernel.
# SKIP (77) where io_uring is unavailable.
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from checks import check, finish  # noqa: E402

uringctl, version = sys.argv[1], sys.argv[2]


def run(*args):
    p = subprocess.run([uringctl, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr




rc, out, err = run("--version")
check("--version: exit 0, one line with the project version, nothing on stderr",
      (rc, out, err) == (0, f"uringctl (rawuring) {version}\n", ""), (rc, out, err))
rc, out, err = run("--version", "x")
check("--version x: exit 2, one line on stderr", rc == 2 and out == "" and err.count("\n") == 1,
      (rc, out, err))
rc, out, err = run("probe", "--json", "x")
check("probe --json x: exit 2, one line on stderr", rc == 2 and out == "" and err.count("\n") == 1,
      (rc, out, err))

rc, out, err = run("probe", "--json")
if rc == 1 and "io_uring_setup failed" in err:
    print("SKIP: io_uring unavailable: " + err.strip())
    sys.exit(77)
check("probe --json: exit 0, nothing on stderr", rc == 0 and err == "", err)
try:
    doc = json.loads(out)
except ValueError as e:
    check("probe --json prints one JSON object", False, f"{e}\n{out}")
    sys.exit(1)

keys = ["kernel", "features", "features_unknown", "default_setup_flags",
        "default_setup_flags_unknown", "registered_ring_fd", "last_op", "opcodes"]
check("the keys, in order", list(doc) == keys, list(doc))
u = os.uname()
check("kernel: this machine's release and machine",
      doc["kernel"] == {"release": u.release, "machine": u.machine}, doc["kernel"])
for key in ("features", "default_setup_flags"):
    check(f"{key}: names", all(isinstance(n, str) and re.fullmatch(r"[A-Z0-9_]+", n)
                               for n in doc[key]), doc[key])
    check(f"{key}_unknown: a count of bits", isinstance(doc[key + "_unknown"], int), doc)
check("registered_ring_fd: a boolean", isinstance(doc["registered_ring_fd"], bool), doc)
ops = doc["opcodes"]
check("opcodes: one entry per opcode 0..last_op, in order",
      [o["op"] for o in ops] == list(range(doc["last_op"] + 1)), [o["op"] for o in ops])
check("opcodes: entries have exactly op, name, supported",
      all(list(o) == ["op", "name", "supported"] and isinstance(o["supported"], bool) and
          (o["name"] is None or isinstance(o["name"], str)) for o in ops), ops[:3])
by_name = {o["name"]: o for o in ops}
for op, name in ((0, "NOP"), (20, "FILES_UPDATE"), (40, "MSG_RING")):
    check(f"opcodes: {name} is op {op} and supported",
          by_name.get(name) == {"op": op, "name": name, "supported": True}, by_name.get(name))

# The same facts as the text form.
rc, text, err = run("probe")
check("probe: exit 0", rc == 0, err)


def text_bits(label, names, unknown):
    line = re.search(rf"^{label}:(.*)$", text, re.M)
    want = names + ([hex(unknown)] if unknown else [])
    return line is not None and line.group(1).split() == want


check("features as the text probe says", text_bits("features", doc["features"],
                                                    doc["features_unknown"]), text)
check("default setup flags as the text probe says",
      text_bits("default ring setup flags", doc["default_setup_flags"],
                doc["default_setup_flags_unknown"]), text)
check("registered ring fd as the text probe says",
      f"registered ring fd: {'yes' if doc['registered_ring_fd'] else 'no'}\n" in text, text)
rows = re.findall(r"^ +(\d+) (\S+(?: to rawuring\))?) +(yes|no)$", text, re.M)
check("opcodes as the text probe says",
      [(int(op), None if name.startswith("(") else name, s == "yes") for op, name, s in rows]
      == [(o["op"], o["name"], o["supported"]) for o in ops], rows[:3])

finish()
