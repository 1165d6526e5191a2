// Snapshots of /proc/self for leak checks: the open fds (with what each points at) and the
// mappings.
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
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

// /proc/self/maps without the anonymous private mappings: what is left are the shared mappings
// (the rings are "rw-s ... anon_inode:[io_uring]"), file mappings and the kernel's special ones.
// Anonymous private memory is malloc's heap and arenas, thread stacks and a sanitizer's allocator
// regions, which grow with a test and are kept for reuse: leaks there are LeakSanitizer's to find
// (CI runs every suite under it).
inline std::vector<std::string> mappings() {
  std::vector<std::string> out;
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    // "start-end perms offset dev inode [path]": private (p) with inode 0 and no path, or [heap].
    char perms[8] = {}, dev[16] = {};
    unsigned long inode = 1;
    int path_at = 0;
    std::sscanf(line.c_str(), "%*s %7s %*s %15s %lu %n", perms, dev, &inode, &path_at);
    const bool anonymous = inode == 0 && (path_at == 0 || line.compare(path_at, 6, "[heap]") == 0 ||
                                          static_cast<std::size_t>(path_at) >= line.size());
    if (!(anonymous && perms[3] == 'p')) out.push_back(line);
  }
  return out;
}

}  // namespace test
