// uringctl subcommands. Each returns the process exit status: 0 on success, 1 when the kernel said
// no, 2 for a usage error (after printing one line to stderr).
#pragma once

namespace uringctl {

int probe(int argc, char** argv);
int msg_ring(int argc, char** argv);
int encode(int argc, char** argv);
int decode(int argc, char** argv);
int serve(int argc, char** argv);
int demo(int argc, char** argv);
int load(int argc, char** argv);

}  // namespace uringctl
