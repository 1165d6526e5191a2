// Library-neutral socket setup for the buffer rows: a connected TCP pair on 127.0.0.1.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace bench {

// fds[0] receives, fds[1] sends. 0 or -errno.
inline int tcp_pair(int fds[2]) {
  const int l = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (l < 0) return -errno;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int ret = 0;
  if (::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 ||
      ::getsockname(l, reinterpret_cast<sockaddr*>(&a), &len) < 0 || ::listen(l, 1) < 0) {
    ret = -errno;
  } else {
    fds[1] = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fds[1] < 0 || ::connect(fds[1], reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
      ret = -errno;
    } else {
      fds[0] = ::accept4(l, nullptr, nullptr, SOCK_CLOEXEC);
      if (fds[0] < 0) ret = -errno;
    }
  }
  ::close(l);
  return ret;
}

// Writes all of buf or dies trying (returns false).
inline bool write_all(int fd, const char* buf, long n) {
  while (n > 0) {
    const long w = ::write(fd, buf, static_cast<unsigned long>(n));
    if (w <= 0) return false;
    buf += w;
    n -= w;
  }
  return true;
}

// The buffer rows' shape: 64-byte buffers, 512 in the ring, 256 buffers' worth per write.
constexpr unsigned kBufEntries = 512, kBufSize = 64, kBufChunk = 256;
// The fixed-read rows: 4 KiB reads from a 64 KiB file in the page cache, 32 per submit.
constexpr unsigned kReadSize = 4096, kReadBatch = 32, kFileBlocks = 16;

}  // namespace bench
