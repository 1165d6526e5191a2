// uringctl: look at io_uring on this machine through rawuring.
#include <cstdio>
#include <cstring>

#include "commands.hpp"

namespace {

struct Command {
  const char* name;
  int (*run)(int argc, char** argv);
  const char* help;
};

constexpr Command kCommands[] = {
    {"probe", uringctl::probe, "kernel release, io_uring features, supported opcodes"},
    {"msg-ring", uringctl::msg_ring, "two rings on two threads: DATA, tagged and SEND_FD messages"},
    {"encode", uringctl::encode, "the SQE a prep function builds: 64 bytes and describe()"},
    {"decode", uringctl::decode, "describe() and lint() of an SQE given as 128 hex digits"},
    {"serve", uringctl::serve, "thread-per-core echo server: accept direct, MSG_RING hand-off"},
    {"demo", uringctl::demo, "serve and load together for a few seconds, every byte checked"},
    {"load", uringctl::load, "bounded echo load on 127.0.0.1:PORT, every byte checked"},
};

#ifndef RAWURING_VERSION
#error "uringctl/meson.build defines RAWURING_VERSION as the project's version"
#endif

int usage(FILE* out) {
  std::fprintf(out, "usage: uringctl <command> [args...]\n       uringctl --version\ncommands:\n");
  for (const Command& c : kCommands) std::fprintf(out, "  %-10s %s\n", c.name, c.help);
  return out == stderr ? 2 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage(stderr);
  if (!std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help")) return usage(stdout);
  if (!std::strcmp(argv[1], "--version")) {
    if (argc != 2) {
      std::fprintf(stderr, "uringctl: --version takes no arguments\n");
      return 2;
    }
    std::printf("uringctl (rawuring) %s\n", RAWURING_VERSION);
    return 0;
  }
  for (const Command& c : kCommands)
    if (!std::strcmp(argv[1], c.name)) return c.run(argc - 2, argv + 2);
  std::fprintf(stderr, "uringctl: unknown command '%s' (try uringctl --help)\n", argv[1]);
  return 2;
}
