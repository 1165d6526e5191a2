// libFuzzer target: uringctl encode / decode argument parsing. The input is split at NUL bytes into
// argv; the first byte picks the subcommand (even: encode, odd: decode). stdout goes to /dev/null,
// stdin is /dev/null (decode reads it when given no hex). Checks: no crash, no sanitizer report,
// and the exit status is 0 or 2 (1 is for the kernel saying no, which encode/decode never ask).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "uringctl/commands.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // stderr stays: libFuzzer reports there (fuzz/run passes -close_fd_mask=2 to silence ours).
  if (!std::freopen("/dev/null", "w", stdout) || !std::freopen("/dev/null", "r", stdin))
    std::abort();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 4096) return 0;
  std::vector<std::string> args(1);
  for (std::size_t i = 1; i < size; ++i) {
    if (data[i] == 0)
      args.emplace_back();
    else
      args.back().push_back(static_cast<char>(data[i]));
  }
  if (args.size() > 32) return 0;
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int argc = static_cast<int>(args.size());
  const int rc =
      data[0] % 2 == 0 ? uringctl::encode(argc, argv.data()) : uringctl::decode(argc, argv.data());
  std::clearerr(stdin);
  if (rc != 0 && rc != 2) __builtin_trap();
  return 0;
}
