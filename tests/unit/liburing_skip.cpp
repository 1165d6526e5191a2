// Stands in for the liburing differential test when Meson did not find liburing: reports SKIP
// (exit 77) with the reason instead of passing without having compared anything.
#include <cstdio>

int main() {
  std::printf(
      "SKIP: liburing not found by Meson (dependency('liburing') absent): the byte-for-byte "
      "comparison with liburing's prep functions needs liburing-dev\n");
  return 77;
}
