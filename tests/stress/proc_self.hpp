// Snapshots of /proc/self for leak checks: the open fds (with what each points at) and the
// mappings.
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace test {

// fd -> what it points at, for every open fd of this process but the directory stream's own.
inline std::map<int, std::string> open_fds() {
  std::map<int, std::string> out;
  DIR* d = ::opendir("/proc/self/fd");
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    const int fd = std::atoi(e->d_name);
    if (e->d_name[0] == '.' || fd == ::dirfd(d)) continue;
    char target[512] = {};
    const std::string path = std::string("/proc/self/fd/") + e->d_name;
    const ssize_t n = ::readlink(path.c_str(), target, sizeof target - 1);
    out[fd] = n > 0 ? std::string(target, static_cast<std::size_t>(n)) : "?";
  }
  ::closedir(d);
  return out;
}

// Every line of /proc/self/maps, or with `shared_only` the shared mappings alone: the rings'
// (rw-s ... anon_inode:[io_uring]) and any other MAP_SHARED one. A sanitizer's allocator maps and
// unmaps its own regions as it goes, so under a sanitizer only the shared ones can be compared.
inline std::vector<std::string> mappings(bool shared_only = false) {
  std::vector<std::string> out;
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    const bool shared = line.size() > 30 && line.find(" rw-s ") != std::string::npos;
    if (!shared_only || shared || line.find("io_uring") != std::string::npos) out.push_back(line);
  }
  return out;
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

}  // namespace test
