#!/usr/bin/env python3
"""Runs the built uringctl encode/decode on good and bad input and checks exact output and exit
codes. Usage: uringctl_test.py <path to uringctl>. Exit 0 when every check passes."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from checks import check, finish  # noqa: E402

UCTL = sys.argv[1]


def run(args, stdin=None):
    p = subprocess.run([UCTL] + args, input=stdin, capture_output=True, text=True, timeout=10)
    return p.returncode, p.stdout, p.stderr




NOP_HEX = ("00000000ffffffff 0000000000000000 0000000000000000 0000000000000000 "
           "0000000000000000 0000000000000000 0000000000000000 0000000000000000")
NOP_TEXT = f"""sqe         {NOP_HEX}
opcode      0 NOP
flags       0x00
op_flags    0x00000000
field           at     value                use        meaning
ioprio           2+2   0x0                  must be 0  
nop_flags       28+4   0x0                  used       nop_flags (IORING_NOP_*)
user_data       32+8   0x0                  used       user_data: copied into this request's CQE
personality     42+2   0x0                  used       personality: registered credentials to run with (0: the submitter's)
unused      fd=0xffffffff, off, addr, len, buf_index, file_index, addr3, pad2
"""

# encode: exact text for NOP.
rc, out, err = run(["encode", "nop"])
check("encode nop exit 0", rc == 0, err)
check("encode nop exact text", out == NOP_TEXT, out)
check("encode nop no stderr", err == "", err)

# encode msg_ring_fd: exact bytes, meanings of the SEND_FD fields.
rc, out, err = run(["encode", "msg_ring_fd", "5", "1", "2", "0x77", "0"])
check("encode msg_ring_fd exit 0", rc == 0, err)
check("encode msg_ring_fd bytes", out.splitlines()[0] ==
      "sqe         2800000005000000 7700000000000000 0100000000000000 0000000000000000 "
      "0000000000000000 0000000003000000 0100000000000000 0000000000000000", out)
check("encode msg_ring_fd variant", "opcode      40 MSG_RING SEND_FD\n" in out, out)
check("encode msg_ring_fd source slot", "addr3           48+8   0x1                  used       "
      "source slot in this ring's registered files (low 32 bits)\n" in out, out)
check("encode msg_ring_fd target slot", "file_index      44+4   0x3                  used       "
      "target slot plus one in the target ring's registered files\n" in out, out)

# encode --json: parses, and bytes round-trip through decode.
for op_args in (["nop"], ["read", "3", "0x1000", "16", "-1"], ["write", "3", "4096", "16", "0"],
                ["close", "7"], ["close_direct", "2"], ["msg_ring", "3", "42", "0xabc", "0"],
                ["msg_ring_cqe_flags", "3", "42", "0xabc", "0", "0x1234"],
                ["msg_ring_fd", "3", "0", "1", "0x55", "1"],
                ["msg_ring_fd_alloc", "3", "0", "0x57", "0"],
                ["files_update", "0x7fff0000", "2", "-1"]):
    rc, out, err = run(["encode"] + op_args + ["--json"])
    check(f"encode {op_args[0]} --json exit 0", rc == 0, err)
    doc = json.loads(out)
    check(f"encode {op_args[0]} --json op", doc["op"] == op_args[0], out)
    check(f"encode {op_args[0]} --json 128 digits", len(doc["bytes"]) == 128, out)
    rc, dout, err = run(["decode", "--json", doc["bytes"]])
    check(f"decode of encode {op_args[0]} exit 0", rc == 0, err)
    d = json.loads(dout)
    check(f"decode of encode {op_args[0]} same describe", d["describe"] == doc["describe"], dout)
    check(f"encode {op_args[0]} is lint-clean", d["lint"]["clean"] is True, dout)

# Exact JSON values for one op.
rc, out, err = run(["encode", "msg_ring_cqe_flags", "3", "42", "0xabc", "0", "0x1234", "--json"])
doc = json.loads(out)
fields = {f["name"]: f for f in doc["describe"]["fields"]}
check("cqe_flags json variant", doc["describe"]["variant"] == "DATA (target CQE flags passed)", out)
check("cqe_flags json op_flags names",
      doc["describe"]["op_flags"]["names"] == ["IORING_MSG_RING_FLAGS_PASS"], out)
check("cqe_flags json file_index", fields["file_index"]["value"] == 0x1234 and
      fields["file_index"]["use"] == "used", out)
check("cqe_flags json len", fields["len"]["value"] == 42, out)

# decode: a DATA message with IORING_MSG_RING_CQE_SKIP -> exact lint text.
BAD = ("2800000003000000 bc0a000000000000 0000000000000000 2a00000001000000 "
       "0000000000000000 0000000000000000 0000000000000000 0000000000000000")
rc, out, err = run(["decode", "--kernel", "6.18"] + BAD.split())
check("decode split args exit 0", rc == 0, err)
check("decode lint text", out.endswith(
    "lint:\nerror       EINVAL     msg_ring_flags=0x1: IORING_MSG_RING_CQE_SKIP is refused on a DATA "
    "message (use IOSQE_CQE_SKIP_SUCCESS to drop the sender's CQE) [io_msg_ring_data]\n"
    "verdict     the kernel answers -EINVAL (kernel 6.18, named)\n"), out)
rc2, out2, _ = run(["decode", "--kernel", "618"], stdin=BAD + "\n")
check("decode from stdin same as args", rc2 == 0 and out2 == out, out2)
rc3, out3, _ = run(["decode", "-", "--kernel=6.18"], stdin=BAD.replace(" ", "\n"))
check("decode - with newlines same", rc3 == 0 and out3 == out, out3)
rc, out, err = run(["decode", "--json", BAD])
d = json.loads(out)
check("decode json expected errno", d["lint"]["expected_errno"] == "EINVAL" and
      d["lint"]["expected_error"] == -22, out)
check("decode json finding", d["lint"]["findings"][0]["errno"] == "EINVAL" and
      d["lint"]["findings"][0]["where"] == "msg_ring_flags", out)

# decode: an opcode nobody knows -> raw fields and the "unknown opcode" line.
rc, out, err = run(["decode", "ff" * 64])
check("decode unknown exit 0", rc == 0, err)
check("decode unknown opcode line",
      "unknown opcode 255: not an opcode rawuring knows; raw fields follow\n" in out, out)
check("decode unknown raw field", "pad2            56+8   0xffffffffffffffff   raw        \n" in out,
      out)
check("decode unknown opcode refused",
      "error       EINVAL     opcode 255: opcode past every kernel's IORING_OP_LAST "
      "[io_init_req: opcode >= IORING_OP_LAST]\n" in out, out)

# decode: every opcode of the table decodes, named, with a verdict that states its kernel.
for op in range(63):
    hexs = f"{op:02x}" + "00" * 3 + "ffffffff" + "00" * 56
    rc, out, err = run(["decode", "--kernel", "6.18", hexs])
    check(f"decode opcode {op} exit 0", rc == 0 and err == "", err)
    check(f"decode opcode {op} named", out.startswith(f"opcode      {op} ") and
          "(unknown)" not in out.splitlines()[1], out)
    check(f"decode opcode {op} verdict", "(kernel 6.18, named)\n" in out, out)

# decode: NOP flags per kernel: 6.12 refuses IORING_NOP_FILE | FIXED_FILE, 6.18 accepts them.
NOP_FLAGS = "00000000ffffffff" + "00" * 20 + "06000000" + "00" * 32
rc, out, err = run(["decode", "--kernel", "6.12", NOP_FLAGS])
check("decode nop flags 6.12", out.endswith(
    "verdict     the kernel answers -EINVAL (kernel 6.12, named)\n"), out)
rc, out, err = run(["decode", "--kernel=618", NOP_FLAGS])
check("decode nop flags 6.18", out.endswith(
    "verdict     clean: nothing the kernel refuses for this SQE's own fields (kernel 6.18, "
    "named)\n"), out)

# decode: URING_CMD is modelled up to its driver: past that the verdict says "not modelled", never
# clean; JSON says which model. Its __pad1 (upper half of the cmd_op word) is refused at prep.
CMD = "2e00000003000000" + "00" * 56
rc, out, err = run(["decode", "--kernel", "6.18", CMD])
check("decode uring_cmd not modelled", "verdict     not modelled past here: " in out and
      "clean" not in out.splitlines()[-1], out)
rc, out, err = run(["decode", "--json", "--kernel", "6.18", CMD])
d = json.loads(out)
check("decode uring_cmd json", d["modelled"] is False and d["model"] == "prep-time" and
      d["lint"]["clean"] is False and d["kernel"] == {"release": "6.18", "source": "named"}, out)
CMD_PAD1 = "2e00000003000000" + "0000000001000000" + "00" * 48
rc, out, err = run(["decode", "--kernel", "6.18", CMD_PAD1])
check("decode uring_cmd __pad1", out.endswith(
    "verdict     the kernel answers -EINVAL (kernel 6.18, named)\n"), out)

# Bad input: one line on stderr, nothing on stdout, exit 2.
BAD_INPUTS = [
    (["encode"], None),
    (["encode", "frobnicate"], None),
    (["encode", "nop", "1"], None),
    (["encode", "close"], None),
    (["encode", "close", "abc"], None),
    (["encode", "close", "1x"], None),
    (["encode", "close", ""], None),
    (["encode", "close", "4294967296"], None),
    (["encode", "msg_ring", "3", "-1", "0", "0"], None),
    (["encode", "msg_ring", "3", "1", "99999999999999999999999", "0"], None),
    (["encode", "read", "3", "0", "16"], None),
    (["encode", "read", "3", "0", "16", "0", "5"], None),
    (["decode", "00"], None),
    (["decode", "0" * 130], None),
    (["decode", "0" * 127 + "g"], None),
    (["decode"], ""),
    (["decode"], "zz"),
    (["decode", "-"], "0" * 126),
    (["decode", "-", "00"], None),
    (["decode", "--kernel"], None),
    (["decode", "--kernel", "six", "00" * 64], None),
    (["decode", "--kernel=6.1.2", "00" * 64], None),
]
for args, stdin in BAD_INPUTS:
    rc, out, err = run(args, stdin=stdin)
    what = f"bad input {args!r} stdin={stdin!r}"
    check(what + " exit 2", rc == 2, f"rc={rc} err={err!r}")
    check(what + " one stderr line", err.count("\n") == 1 and err.startswith("u"), repr(err))
    check(what + " no stdout", out == "", repr(out))

rc, out, err = run(["decode", "0" * 127 + "g"])
check("bad hex message", err == "uringctl decode: 'g' is not a hex digit\n", err)
rc, out, err = run(["decode", "00"])
check("short message", err == "uringctl decode: expected 128 hex digits (64 bytes), got 2\n", err)
rc, out, err = run(["encode", "frobnicate"])
check("unknown op message",
      err == "uringctl encode: unknown op 'frobnicate' (try uringctl encode without args)\n", err)

# encode: every prep. The usage line lists the ops; each one's argument count comes from its own
# "takes N arguments" error; encoded with every argument 1 it must exit 0 with the opcode of the
# request it prepares (written here from include/uapi/linux/io_uring.h's enum, not from the tool).
OPCODE = {
    "nop": 0,
    "readv": 1,
    "readv2": 1,
    "writev": 2,
    "writev2": 2,
    "fsync": 3,
    "read_fixed": 4,
    "write_fixed": 5,
    "poll_add": 6,
    "poll_multishot": 6,
    "poll_remove": 7,
    "poll_update": 7,
    "sync_file_range": 8,
    "sendmsg": 9,
    "recvmsg": 10,
    "recvmsg_multishot": 10,
    "timeout": 11,
    "timeout_remove": 12,
    "timeout_update": 12,
    "accept": 13,
    "accept_direct": 13,
    "multishot_accept": 13,
    "multishot_accept_direct": 13,
    "cancel64": 14,
    "cancel": 14,
    "cancel_fd": 14,
    "link_timeout": 15,
    "connect": 16,
    "fallocate": 17,
    "openat": 18,
    "openat_direct": 18,
    "open": 18,
    "open_direct": 18,
    "close": 19,
    "close_direct": 19,
    "files_update": 20,
    "statx": 21,
    "read": 22,
    "write": 23,
    "fadvise": 24,
    "fadvise64": 24,
    "madvise": 25,
    "madvise64": 25,
    "send": 26,
    "send_bundle": 26,
    "sendto": 26,
    "recv": 27,
    "recv_multishot": 27,
    "openat2": 28,
    "openat2_direct": 28,
    "epoll_ctl": 29,
    "splice": 30,
    "provide_buffers": 31,
    "remove_buffers": 32,
    "tee": 33,
    "shutdown": 34,
    "renameat": 35,
    "rename": 35,
    "unlinkat": 36,
    "unlink": 36,
    "mkdirat": 37,
    "mkdir": 37,
    "symlinkat": 38,
    "symlink": 38,
    "linkat": 39,
    "link": 39,
    "msg_ring": 40,
    "msg_ring_cqe_flags": 40,
    "msg_ring_fd": 40,
    "msg_ring_fd_alloc": 40,
    "fsetxattr": 41,
    "setxattr": 42,
    "fgetxattr": 43,
    "getxattr": 44,
    "socket": 45,
    "socket_direct": 45,
    "socket_direct_alloc": 45,
    "uring_cmd": 46,
    "cmd_sock": 46,
    "cmd_discard": 46,
    "send_zc": 47,
    "send_zc_fixed": 47,
    "sendmsg_zc": 48,
    "sendmsg_zc_fixed": 48,
    "read_multishot": 49,
    "waitid": 50,
    "futex_wait": 51,
    "futex_wake": 52,
    "futex_waitv": 53,
    "fixed_fd_install": 54,
    "ftruncate": 55,
    "bind": 56,
    "listen": 57,
    "recv_zc": 58,
    "epoll_wait": 59,
    "readv_fixed": 60,
    "writev_fixed": 61,
    "pipe": 62,
    "pipe_direct": 62,
}
rc, _, err = run(["encode"])
listed = err.split("ops:", 1)[1].split()
everything = list(OPCODE) + ["rw", "send_set_addr"]
check("encode lists every prep", sorted(listed) == sorted(everything),
      " ".join(sorted(set(listed) ^ set(everything))))
for name in OPCODE:
    rc, _, err = run(["encode", name] + ["1"] * 9)
    check(f"encode {name} too many args exit 2", rc == 2, err)
    rc, _, err = run(["encode", name, "x"] if name == "nop" else ["encode", name])
    nargs = 0 if name == "nop" else int(err.split("takes ", 1)[1].split(" ", 1)[0])
    rc, out, err = run(["encode", name] + ["1"] * nargs + ["--json"])
    check(f"encode {name} with {nargs} args exit 0", rc == 0, err)
    if rc != 0:
        continue
    doc = json.loads(out)
    check(f"encode {name} opcode", int(doc["bytes"][0:2], 16) == OPCODE[name], doc["bytes"])
    check(f"encode {name} json op", doc["op"] == name, out)

# Exact bytes of some of the new preps (field maps as in tests/unit/prep_test.cpp).
EXACT = [
    (["splice", "3", "-1", "4", "100", "5", "0"],
     "1e00000004000000 6400000000000000 ffffffffffffffff 0500000000000000 "
     "0000000000000000 0000000003000000 0000000000000000 0000000000000000"),
    (["accept_direct", "5", "0", "0", "0", "4294967295"],
     "0d00000005000000 0000000000000000 0000000000000000 0000000000000000 "
     "0000000000000000 00000000ffffffff 0000000000000000 0000000000000000"),
    (["accept_direct", "5", "0", "0", "0", "2"],
     "0d00000005000000 0000000000000000 0000000000000000 0000000000000000 "
     "0000000000000000 0000000003000000 0000000000000000 0000000000000000"),
    (["cmd_sock", "2", "7", "1", "2", "0x1000", "4"],
     "2e00000007000000 0200000000000000 0100000002000000 0000000000000000 "
     "0000000000000000 0000000004000000 0010000000000000 0000000000000000"),
    (["multishot_accept_direct", "9", "0", "0", "0"],
     "0d00010009000000 0000000000000000 0000000000000000 0000000000000000 "
     "0000000000000000 00000000ffffffff 0000000000000000 0000000000000000"),
    (["fixed_fd_install", "3", "1"],
     "3601000003000000 0000000000000000 0000000000000000 0000000001000000 "
     "0000000000000000 0000000000000000 0000000000000000 0000000000000000"),
    (["waitid", "1", "1234", "0x2000", "4", "0"],
     "32000000d2040000 0020000000000000 0000000000000000 0100000000000000 "
     "0000000000000000 0000000004000000 0000000000000000 0000000000000000"),
]
for args, want in EXACT:
    rc, out, err = run(["encode"] + args)
    check(f"encode {args} exit 0", rc == 0, err)
    check(f"encode {args} exact bytes", out.splitlines()[0] == "sqe         " + want, out)

finish()
