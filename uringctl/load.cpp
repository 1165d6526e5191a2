// uringctl load: the bounded loopback echo load of handoff::run_load (uringctl/handoff/load.hpp)
// against a server on 127.0.0.1:PORT, with its summary as text or one JSON line. Exit 0 only when
// the report is ok (every byte came back right, no connection failed, and all connections were done
// or the time cap came after at least one); 1 otherwise; 2 for a usage error.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "commands.hpp"
#include "handoff/load.hpp"

namespace uringctl {

namespace {

int usage_error(const char* what, const char* arg = nullptr) {
  if (arg)
    std::fprintf(stderr, "uringctl load: %s '%s'\n", what, arg);
  else
    std::fprintf(stderr, "uringctl load: %s\n", what);
  return 2;
}

// A whole decimal number in [min, max], or false.
bool parse_uint(const char* s, unsigned long min, unsigned long max, unsigned long* out) {
  if (!*s || *s == '-' || *s == '+') return false;
  errno = 0;
  char* end = nullptr;
  const unsigned long v = std::strtoul(s, &end, 10);
  if (errno || *end || v < min || v > max) return false;
  *out = v;
  return true;
}

}  // namespace

int load(int argc, char** argv) {
  handoff::LoadOptions o;
  o.connections = 1000, o.concurrency = 16, o.messages = 10, o.size = 64, o.duration_s = 10;
  bool json = false, have_port = false;
  for (int i = 0; i < argc; ++i) {
    const char* opt = argv[i];
    if (!std::strcmp(opt, "--json")) {
      json = true;
      continue;
    }
    struct Field {
      const char* name;
      unsigned* to;
      unsigned long min, max;
    };
    unsigned port = 0;
    const Field fields[] = {
        {"--port", &port, 1, 65535},
        {"--connections", &o.connections, 1, 4'000'000'000},
        {"--concurrency", &o.concurrency, 1, 1'000'000},
        {"--messages", &o.messages, 1, 4'000'000'000},
        {"--size", &o.size, 1, 1u << 30},
        {"--threads", &o.threads, 1, 256},
    };
    if (i + 1 >= argc) {
      if (!std::strcmp(opt, "--duration")) return usage_error("--duration needs a value");
      for (const Field& f : fields)
        if (!std::strcmp(opt, f.name)) return usage_error("missing value after", opt);
      return usage_error("unknown option", opt);
    }
    const char* value = argv[++i];
    if (!std::strcmp(opt, "--duration")) {
      char* end = nullptr;
      errno = 0;
      o.duration_s = std::strtod(value, &end);
      if (errno || !*value || *end || !(o.duration_s > 0) || o.duration_s > 86400)
        return usage_error("--duration wants seconds in (0, 86400], not", value);
      continue;
    }
    const Field* f = nullptr;
    for (const Field& x : fields)
      if (!std::strcmp(opt, x.name)) f = &x;
    if (!f) return usage_error("unknown option", opt);
    unsigned long v = 0;
    if (!parse_uint(value, f->min, f->max, &v)) {
      std::fprintf(stderr, "uringctl load: %s wants a whole number in %lu..%lu, not '%s'\n", opt,
                   f->min, f->max, value);
      return 2;
    }
    *f->to = unsigned(v);
    if (f->to == &port) o.port = std::uint16_t(port), have_port = true;
  }
  if (!have_port) return usage_error("--port is required (the server listens on 127.0.0.1:PORT)");
  if (const char* why = handoff::check(o)) return usage_error(why);
  const handoff::LoadReport r = handoff::run_load(o);
  if (json)
    handoff::print_json(stdout, o, r);
  else
    handoff::print_text(stdout, o, r);
  return r.ok ? 0 : 1;
}

}  // namespace uringctl
