// Runs a fuzz target's LLVMFuzzerTestOneInput over files, without libFuzzer: the corpus and every
// input that once crashed (fuzz/regressions/<target>/) become a regression test in `meson test`
// built by the ordinary compiler. Arguments: files or directories (every regular file in them).
// Exit 0 when every input ran; a crash is the test's failure.
#include <dirent.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

unsigned run_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> bytes{std::istreambuf_iterator<char>(in), {}};
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  return 1;
}

unsigned run_path(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  if (!S_ISDIR(st.st_mode)) return run_file(path);
  unsigned n = 0;
  DIR* d = ::opendir(path.c_str());
  if (!d) return 0;
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') n += run_path(path + "/" + e->d_name);
  ::closedir(d);
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  unsigned n = 0;
  for (int i = 1; i < argc; ++i) n += run_path(argv[i]);
  std::fprintf(stdout, "replayed %u inputs\n", n);
  return n > 0 ? 0 : 1;
}
