# What every Python test of the suite shares: check() prints one line per check ("ok   name", or
# "FAIL name" with the detail indented below it) and counts the failures; finish() prints the
# totals and exits 1 if any check failed, else 0.
import sys

_checks = 0
_failures = 0


def check(name, ok, detail="", limit=3000):
    global _checks, _failures
    _checks += 1
    print(("ok   " if ok else "FAIL ") + name)
    if not ok:
        _failures += 1
        print("     " + str(detail).replace("\n", "\n     ")[:limit])
    return ok


def finish():
    print(f"{_checks} checks, {_failures} failed")
    sys.exit(1 if _failures else 0)
