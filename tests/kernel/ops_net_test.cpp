// Sockets on the running kernel, loopback (127.0.0.1) only, in every ring mode: accept, connect,
// send, recv, sendmsg/recvmsg, shutdown; multishot accept; multishot recv from a provided-buffer
// group; socket/bind/listen into direct slots.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "ops_helpers.hpp"

namespace {

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// A listening TCP socket on 127.0.0.1 at a port the kernel picks.
struct Listener {
  test::Fd fd;
  sockaddr_in addr{};
  Listener() : fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    REQUIRE(fd.get() >= 0);
    addr = loopback(0);
    REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    REQUIRE(::listen(fd.get(), 8) == 0);
  }
};

test::Fd tcp_socket() {
  test::Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(s.get() >= 0);
  return s;
}

test::Fd connected_client(const sockaddr_in& to) {
  test::Fd c = tcp_socket();
  REQUIRE(::connect(c.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0);
  return c;
}

std::string read_exact(int fd, std::size_t n) {
  std::string s(n, '\0');
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::read(fd, s.data() + got, n - got);
    REQUIRE(r > 0);
    got += static_cast<std::size_t>(r);
  }
  return s;
}

}  // namespace

TEST_CASE("accept + connect + send + recv on loopback", "[ops][net]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  Listener l;
  test::Fd client = tcp_socket();
  sockaddr_in peer{};
  socklen_t peer_len = sizeof peer;
  ops::queue(ring, 1, [&](io_uring_sqe& s) {
    uring::prep_accept(s, l.fd.get(), reinterpret_cast<sockaddr*>(&peer), &peer_len, SOCK_CLOEXEC);
  });
  ops::queue(ring, 2, [&](io_uring_sqe& s) {
    uring::prep_connect(s, client.get(), reinterpret_cast<const sockaddr*>(&l.addr), sizeof l.addr);
  });
  ops::submit(ring, 2);
  const auto cqes = ops::wait_n(ring, 2);
  const int accepted = ops::by_data(cqes, 1).res;
  REQUIRE(accepted >= 0);
  test::Fd server(accepted);
  CHECK(ops::by_data(cqes, 2).res == 0);
  CHECK(peer_len == sizeof(sockaddr_in));
  CHECK(peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK));

  CHECK(ops::run(ring,
                 [&](io_uring_sqe& s) { uring::prep_send(s, client.get(), "hello", 5, 0); }) == 5);
  char buf[16] = {};
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_recv(s, server.get(), buf, sizeof buf, 0);
        }) == 5);
  CHECK(std::string(buf, 5) == "hello");

  // sendmsg / recvmsg: two iovecs gathered, one scattered read.
  char part1[] = "ab", part2[] = "cde";
  iovec out[2] = {{part1, 2}, {part2, 3}};
  msghdr smsg{};
  smsg.msg_iov = out;
  smsg.msg_iovlen = 2;
  CHECK(ops::run(ring, [&](io_uring_sqe& s) { uring::prep_sendmsg(s, server.get(), &smsg, 0); }) ==
        5);
  char in[8] = {};
  iovec iv{in, sizeof in};
  msghdr rmsg{};
  rmsg.msg_iov = &iv;
  rmsg.msg_iovlen = 1;
  CHECK(ops::run(ring, [&](io_uring_sqe& s) { uring::prep_recvmsg(s, client.get(), &rmsg, 0); }) ==
        5);
  CHECK(std::string(in, 5) == "abcde");

  // shutdown(SHUT_WR): the peer reads EOF.
  CHECK(ops::run(ring, [&](io_uring_sqe& s) { uring::prep_shutdown(s, client.get(), SHUT_WR); }) ==
        0);
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_recv(s, server.get(), buf, sizeof buf, 0);
        }) == 0);
}

TEST_CASE("multishot accept: a CQE with F_MORE per connection, cancel ends it", "[ops][net]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  Listener l;
  ops::queue(ring, 0xacc, [&](io_uring_sqe& s) {
    uring::prep_multishot_accept(s, l.fd.get(), nullptr, nullptr, SOCK_CLOEXEC);
  });
  ops::submit(ring, 1);
  ops::none_ready(ring);
  test::Fd c1 = connected_client(l.addr), c2 = connected_client(l.addr);
  test::Fd s1, s2;
  for (test::Fd* s : {&s1, &s2}) {
    const test::Cqe c = test::wait_one(ring);
    CHECK(c.user_data == 0xacc);
    REQUIRE(c.res >= 0);
    CHECK((c.flags & IORING_CQE_F_MORE) != 0);
    *s = test::Fd(c.res);
  }
  // The accepted fds are the two clients' peers: bytes cross.
  REQUIRE(::write(c1.get(), "1", 1) == 1);
  REQUIRE(::write(c2.get(), "2", 1) == 1);
  const std::string got = read_exact(s1.get(), 1) + read_exact(s2.get(), 1);
  CHECK((got == "12" || got == "21"));

  ops::queue(ring, 0xcc, [](io_uring_sqe& s) { uring::prep_cancel64(s, 0xacc, 0); });
  ops::submit(ring, 1);
  const auto cqes = ops::wait_n(ring, 2);
  CHECK(ops::by_data(cqes, 0xcc).res == 0);
  const test::Cqe last = ops::by_data(cqes, 0xacc);
  CHECK(last.res == -ECANCELED);
  CHECK((last.flags & IORING_CQE_F_MORE) == 0);
}

TEST_CASE("multishot recv into a provided-buffer group", "[ops][net]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  test::Fd a(sv[0]), b(sv[1]);
  constexpr int kGroup = 7, kBufs = 4, kLen = 16;
  static char bufs[kBufs][kLen];
  // Buffers 10..13 of group 7: res is 0 since 5.19 (older kernels returned the count).
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_provide_buffers(s, bufs, kLen, kBufs, kGroup, 10);
        }) == 0);

  ops::queue(ring, 0x7ec, [&](io_uring_sqe& s) {
    uring::prep_recv_multishot(s, a.get(), nullptr, 0, 0);
    s.flags |= IOSQE_BUFFER_SELECT;
    s.buf_group = kGroup;
  });
  ops::submit(ring, 1);
  ops::none_ready(ring);
  const char* msgs[] = {"abc", "defg"};
  for (const char* m : msgs) {
    REQUIRE(::write(b.get(), m, std::strlen(m)) == static_cast<ssize_t>(std::strlen(m)));
    const test::Cqe c = test::wait_one(ring);
    CHECK(c.user_data == 0x7ec);
    REQUIRE(c.res == static_cast<int>(std::strlen(m)));
    CHECK((c.flags & IORING_CQE_F_MORE) != 0);
    REQUIRE((c.flags & IORING_CQE_F_BUFFER) != 0);
    const unsigned bid = c.flags >> IORING_CQE_BUFFER_SHIFT;
    REQUIRE(bid >= 10);
    REQUIRE(bid < 10 + kBufs);
    CHECK(std::string(bufs[bid - 10], static_cast<std::size_t>(c.res)) == m);
  }
  // The peer closes: a final CQE with res 0 and no F_MORE.
  b = test::Fd();
  const test::Cqe eof = test::wait_one(ring);
  CHECK(eof.user_data == 0x7ec);
  CHECK(eof.res == 0);
  CHECK((eof.flags & IORING_CQE_F_MORE) == 0);
  // Two of the four buffers are left: remove_buffers says how many it took.
  CHECK(ops::run(ring, [&](io_uring_sqe& s) { uring::prep_remove_buffers(s, 8, kGroup); }) == 2);
}

TEST_CASE("socket, bind and listen on direct descriptors; accept from the slot", "[ops][net]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  REQUIRE(uring::register_files_sparse(ring, 4) == 0);
  // An allocated slot comes back in res: the table is empty, so slot 0.
  CHECK(ops::run(ring, [](io_uring_sqe& s) {
          uring::prep_socket_direct_alloc(s, AF_INET, SOCK_STREAM, 0, 0);
        }) == 0);
  // An explicit slot: res 0.
  CHECK(ops::run(ring, [](io_uring_sqe& s) {
          uring::prep_socket_direct(s, AF_INET, SOCK_STREAM, 0, uring::DirectSlot(2), 0);
        }) == 0);
  if (!ops::has(ring, IORING_OP_BIND, "IORING_OP_BIND", "6.11")) return;
  if (!ops::has(ring, IORING_OP_LISTEN, "IORING_OP_LISTEN", "6.11")) return;
  const sockaddr_in any = loopback(0);
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_bind(s, uring::FixedFile(2), reinterpret_cast<const sockaddr*>(&any),
                           sizeof any);
        }) == 0);
  CHECK(ops::run(ring, [](io_uring_sqe& s) { uring::prep_listen(s, uring::FixedFile(2), 8); }) ==
        0);
  // Its port, through a normal fd the ring installs for slot 2 (FIXED_FD_INSTALL is 6.8 < 6.11).
  const int installed = ops::run(
      ring, [](io_uring_sqe& s) { uring::prep_fixed_fd_install(s, uring::FixedFile(2), 0); });
  REQUIRE(installed >= 0);
  test::Fd listen_fd(installed);
  sockaddr_in bound{};
  socklen_t len = sizeof bound;
  REQUIRE(::getsockname(listen_fd.get(), reinterpret_cast<sockaddr*>(&bound), &len) == 0);
  CHECK(bound.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
  REQUIRE(bound.sin_port != 0);

  // A client connects; the accept on slot 2 goes into direct slot 3.
  test::Fd client = connected_client(bound);
  CHECK(ops::run(ring, [](io_uring_sqe& s) {
          uring::prep_accept_direct(s, uring::FixedFile(2), nullptr, nullptr, 0,
                                    uring::DirectSlot(3));
        }) == 0);
  char buf[8] = {};
  REQUIRE(::write(client.get(), "xyz", 3) == 3);
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_recv(s, uring::FixedFile(3), buf, sizeof buf, 0);
        }) == 3);
  CHECK(std::string(buf, 3) == "xyz");
  // SOCK_CLOEXEC with a direct slot: the kernel refuses it.
  CHECK(ops::run(ring, [](io_uring_sqe& s) {
          uring::prep_accept_direct(s, uring::FixedFile(2), nullptr, nullptr, SOCK_CLOEXEC,
                                    uring::DirectSlot(1));
        }) == -EINVAL);
}
