// Sockets on the running kernel, loopback (127.0.0.1) only, in every ring mode: accept, connect,
// send, recv, sendmsg/recvmsg, shutdown; multishot accept; multishot recv from a provided-buffer
// group; socket/bind/listen into direct slots.
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "ops_helpers.hpp"
#include "syscalls/syscalls.hpp"

namespace {

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// A UDP socket bound to 127.0.0.1 on a port the kernel picks; *addr gets the bound address.
test::Fd bound_udp(sockaddr_in* addr) {
  test::Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd.get() >= 0);
  *addr = loopback(0);
  REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(addr), sizeof *addr) == 0);
  socklen_t len = sizeof *addr;
  REQUIRE(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(addr), &len) == 0);
  return fd;
}

// Whether 127.0.0.1 can carry traffic. A fresh network namespace or a minimal VM (the 6.1 guest
// of tests/vm/run) starts with `lo` down: then, as root, bring it up (harmless there, and a no-op
// wherever it is already up); otherwise one SKIP line and the test does not run.
bool have_loopback() {
  static const bool up = [] {
    test::Fd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (s.get() < 0) return false;
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    if (::ioctl(s.get(), SIOCGIFFLAGS, &ifr) != 0) return false;
    if (ifr.ifr_flags & IFF_UP) return true;
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    if (::ioctl(s.get(), SIOCSIFFLAGS, &ifr) != 0) return false;
    std::printf("NOTE: brought the loopback interface up (it was down)\n");
    return true;
  }();
  if (!up) std::printf("SKIP: the loopback interface is down and cannot be brought up\n");
  return up;
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

// Waits (1 s at most, never forever) until fd is readable.
void wait_readable(int fd) {
  pollfd pfd{fd, POLLIN, 0};
  REQUIRE(::poll(&pfd, 1, 1000) == 1);
}

std::string read_exact(int fd, std::size_t n) {
  std::string s(n, '\0');
  std::size_t got = 0;
  while (got < n) {
    wait_readable(fd);
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
  if (!have_loopback()) return;
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
  if (!have_loopback()) return;
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
  if (!have_loopback()) return;
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

TEST_CASE("multishot accept into direct slots the kernel allocates", "[ops][net]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  if (!have_loopback()) return;
  auto ring = test::make_ring(mode, 8);
  REQUIRE(uring::register_files_sparse(ring, 4) == 0);
  Listener l;
  ops::queue(ring, 0xd1, [&](io_uring_sqe& s) {
    uring::prep_multishot_accept_direct(s, l.fd.get(), nullptr, nullptr, 0);
  });
  ops::submit(ring, 1);
  ops::none_ready(ring);
  test::Fd c1 = connected_client(l.addr);
  const test::Cqe first = test::wait_one(ring);
  test::Fd c2 = connected_client(l.addr);
  const test::Cqe second = test::wait_one(ring);
  // An empty table: slots 0, then 1, each CQE with F_MORE.
  CHECK(first.user_data == 0xd1);
  CHECK(first.res == 0);
  CHECK((first.flags & IORING_CQE_F_MORE) != 0);
  CHECK(second.res == 1);
  CHECK((second.flags & IORING_CQE_F_MORE) != 0);
  // Slot 1 is the second client's peer.
  REQUIRE(::write(c2.get(), "two", 3) == 3);
  char buf[8] = {};
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_recv(s, uring::FixedFile(1), buf, sizeof buf, 0);
        }) == 3);
  CHECK(std::string(buf, 3) == "two");
  ops::queue(ring, 0xd2, [&](io_uring_sqe& s) { uring::prep_cancel_fd(s, l.fd.get(), 0); });
  ops::submit(ring, 1);
  const auto cqes = ops::wait_n(ring, 2);
  CHECK(ops::by_data(cqes, 0xd2).res == 0);
  CHECK(ops::by_data(cqes, 0xd1).res == -ECANCELED);
}

TEST_CASE("sendto on UDP; send_zc and sendmsg_zc: result, then the notification", "[ops][net]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  if (!have_loopback()) return;
  auto ring = test::make_ring(mode, 8);
  sockaddr_in to{};
  test::Fd server = bound_udp(&to);
  test::Fd client(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_sendto(s, client.get(), "udp!", 4, 0, reinterpret_cast<sockaddr*>(&to),
                             sizeof to);
        }) == 4);
  char buf[8] = {};
  wait_readable(server.get());
  REQUIRE(::recv(server.get(), buf, sizeof buf, MSG_DONTWAIT) == 4);
  CHECK(std::string(buf, 4) == "udp!");

  // Zero copy: the first CQE carries the result and F_MORE, the second F_NOTIF and res 0.
  Listener l;
  test::Fd tx = connected_client(l.addr);
  test::Fd rx(::accept4(l.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
  REQUIRE(rx.get() >= 0);
  static const char payload[] = "zerocopy";
  ops::queue(ring, 0x2c,
             [&](io_uring_sqe& s) { uring::prep_send_zc(s, tx.get(), payload, 8, 0, 0); });
  ops::submit(ring, 1);
  const auto zc = ops::wait_n(ring, 2);
  CHECK(zc[0].user_data == 0x2c);
  CHECK(zc[0].res == 8);
  CHECK((zc[0].flags & IORING_CQE_F_MORE) != 0);
  CHECK(zc[1].user_data == 0x2c);
  CHECK(zc[1].res == 0);
  CHECK((zc[1].flags & IORING_CQE_F_NOTIF) != 0);
  CHECK(read_exact(rx.get(), 8) == "zerocopy");

  iovec iov{const_cast<char*>(payload), 4};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  ops::queue(ring, 0x2d, [&](io_uring_sqe& s) { uring::prep_sendmsg_zc(s, tx.get(), &msg, 0); });
  ops::submit(ring, 1);
  const auto mzc = ops::wait_n(ring, 2);
  CHECK(mzc[0].res == 4);
  CHECK((mzc[0].flags & IORING_CQE_F_MORE) != 0);
  CHECK((mzc[1].flags & IORING_CQE_F_NOTIF) != 0);
  CHECK(read_exact(rx.get(), 4) == "zero");
}

TEST_CASE("uring_cmd on a socket: SIOCINQ counts the bytes waiting", "[ops][net][cmd]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  if (!have_loopback()) return;
  auto ring = test::make_ring(mode, 8);
  // TCP: SIOCINQ goes to the protocol's ioctl, which AF_UNIX lacks (-EOPNOTSUPP there).
  Listener l;
  test::Fd b = connected_client(l.addr);
  test::Fd a(::accept4(l.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
  REQUIRE(a.get() >= 0);
  REQUIRE(::write(b.get(), "abc", 3) == 3);
  pollfd pfd{a.get(), POLLIN, 0};
  REQUIRE(::poll(&pfd, 1, 1000) == 1);
  const int res = ops::run(ring, [&](io_uring_sqe& s) {
    uring::prep_cmd_sock(s, SOCKET_URING_OP_SIOCINQ, a.get(), 0, 0, nullptr, 0);
  });
  if (test::kernel_version() < 607) {
    // Sockets gained uring_cmd in 6.7; before, the file has no uring_cmd handler.
    test::older_kernel("IORING_OP_URING_CMD on a socket: -EOPNOTSUPP before 6.7");
    CHECK(res == -EOPNOTSUPP);
    return;
  }
  CHECK(res == 3);
  // getsockopt through the ring: SO_TYPE of a stream socket.
  int type = 0;
  CHECK(ops::run(ring, [&](io_uring_sqe& s) {
          uring::prep_cmd_sock(s, SOCKET_URING_OP_GETSOCKOPT, a.get(), SOL_SOCKET, SO_TYPE, &type,
                               sizeof type);
        }) == static_cast<int>(sizeof type));
  CHECK(type == SOCK_STREAM);
}

TEST_CASE("send_zc_fixed: zero-copy send from a registered buffer", "[ops][net]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  if (!have_loopback()) return;
  auto ring = test::make_ring(mode, 8);
  alignas(64) static char area[64] = "registered";
  iovec reg{area, sizeof area};
  REQUIRE(uring::sys::io_uring_register(ring.fd(), IORING_REGISTER_BUFFERS, &reg, 1) == 0);
  Listener l;
  test::Fd tx = connected_client(l.addr);
  test::Fd rx(::accept4(l.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
  REQUIRE(rx.get() >= 0);
  ops::queue(ring, 0x2f,
             [&](io_uring_sqe& s) { uring::prep_send_zc_fixed(s, tx.get(), area, 10, 0, 0, 0); });
  ops::submit(ring, 1);
  const auto zc = ops::wait_n(ring, 2);
  CHECK(zc[0].res == 10);
  CHECK((zc[0].flags & IORING_CQE_F_MORE) != 0);
  CHECK(zc[1].res == 0);
  CHECK((zc[1].flags & IORING_CQE_F_NOTIF) != 0);
  CHECK(read_exact(rx.get(), 10) == "registered");
}

TEST_CASE("send_bundle: one SEND takes every buffer of the group, in ring order", "[ops][net]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  if (!ops::has(ring, IORING_OP_SEND, "IORING_OP_SEND", "5.6")) return;
  if (test::kernel_version() < 610) {
    test::unsupported("IORING_RECVSEND_BUNDLE: needs kernel 6.10");
    return;
  }
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  test::Fd a(sv[0]), b(sv[1]);
  constexpr std::uint16_t kGroup = 3;
  constexpr unsigned kBufs = 4, kLen = 8;
  auto br = uring::BufRing::create(ring, kGroup, kBufs, kLen);
  INFO("BufRing::create errno " << -br.error());
  REQUIRE(br.ok());
  // Buffer i holds kLen copies of 'A' + i: the bytes on the wire say which buffers went, in order.
  std::string expected;
  for (std::uint16_t i = 0; i < kBufs; ++i) {
    std::memset(br->buffer(i), 'A' + i, kLen);
    expected.append(kLen, static_cast<char>('A' + i));
  }
  const auto send_bundle = [&](io_uring_sqe& s) {
    uring::prep_send_bundle(s, a.get(), 0, 0);  // len 0: as many buffers as the ring holds
    s.flags |= IOSQE_BUFFER_SELECT;
    s.buf_group = kGroup;
  };
  ops::queue(ring, 0xb0d, send_bundle);
  ops::submit(ring, 1);
  const test::Cqe c = test::wait_one(ring);
  CHECK(c.user_data == 0xb0d);
  REQUIRE(c.res == static_cast<int>(kBufs * kLen));
  REQUIRE((c.flags & IORING_CQE_F_BUFFER) != 0);
  CHECK((c.flags >> IORING_CQE_BUFFER_SHIFT) == 0);  // the first buffer of the bundle
  CHECK(read_exact(b.get(), kBufs * kLen) == expected);
  // The ring is empty now: the next bundle finds no buffer.
  CHECK(ops::run(ring, send_bundle) == -ENOBUFS);
}

// RECV_ZC needs a zero-copy receive queue (IORING_REGISTER_ZCRX_IFQ), which needs a NIC RX queue
// with header split and a page pool: no loopback or virtual device has one, so no round trip can
// run here. What can be tested is the refusal: without a registered queue, io_recvzc_prep finds
// nothing at zcrx_ifq_idx and answers -EINVAL before the socket is looked at.
TEST_CASE("recv_zc without a registered zero-copy receive queue is -EINVAL", "[ops][net]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  auto ring = test::make_ring(mode, 8);
  if (!ops::has(ring, IORING_OP_RECV_ZC, "IORING_OP_RECV_ZC", "6.15")) return;
  if (!have_loopback()) return;
  Listener l;
  test::Fd b = connected_client(l.addr);
  test::Fd a(::accept4(l.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
  REQUIRE(a.get() >= 0);
  CHECK(ops::run(ring, [&](io_uring_sqe& s) { uring::prep_recv_zc(s, a.get(), 0, 0); }) == -EINVAL);
  CHECK(ops::run(ring, [&](io_uring_sqe& s) { uring::prep_recv_zc(s, a.get(), 64, 1); }) ==
        -EINVAL);
}

TEST_CASE("multishot recvmsg from a buffer ring: name, IP_PKTINFO and payload via recvmsg_*",
          "[ops][net][recvmsg]") {
  const test::Mode mode = GENERATE(test::each_mode());
  MODE_SCOPE(mode);
  if (!have_loopback()) return;
  auto ring = test::make_ring(mode, 8);
  sockaddr_in to{}, from{};
  test::Fd server = bound_udp(&to);
  test::Fd client = bound_udp(&from);
  const int on = 1;
  REQUIRE(::setsockopt(server.get(), IPPROTO_IP, IP_PKTINFO, &on, sizeof on) == 0);

  constexpr unsigned kEntries = 4, kSize = 256;
  constexpr int kGroup = 5;
  int err = 0;
  uring::abi::buf_ring* br = uring::setup_buf_ring(ring, kEntries, kGroup, 0, &err);
  INFO("setup_buf_ring errno " << -err);
  REQUIRE(br != nullptr);
  alignas(8) static unsigned char mem[kEntries][kSize];
  std::memset(mem, 0, sizeof mem);
  for (unsigned i = 0; i < kEntries; ++i)
    uring::buf_ring_add(br, mem[i], kSize, static_cast<unsigned short>(i),
                        uring::buf_ring_mask(kEntries), static_cast<int>(i));
  uring::buf_ring_advance(br, static_cast<int>(kEntries));

  // The msghdr only says how much room to reserve in each buffer for the name and control data.
  msghdr msg{};
  msg.msg_namelen = sizeof(sockaddr_in);
  msg.msg_controllen = CMSG_SPACE(sizeof(in_pktinfo));
  ops::queue(ring, 0x3a, [&](io_uring_sqe& s) {
    uring::prep_recvmsg_multishot(s, server.get(), &msg, 0);
    s.flags |= IOSQE_BUFFER_SELECT;
    s.buf_group = kGroup;
  });
  ops::submit(ring, 1);
  ops::none_ready(ring);

  const unsigned header = sizeof(io_uring_recvmsg_out) + sizeof(sockaddr_in) +
                          static_cast<unsigned>(CMSG_SPACE(sizeof(in_pktinfo)));
  REQUIRE(header == 16 + 16 + 32);
  const std::string payloads[] = {"first datagram", "2nd"};
  for (const std::string& p : payloads) {
    REQUIRE(::sendto(client.get(), p.data(), p.size(), 0, reinterpret_cast<sockaddr*>(&to),
                     sizeof to) == static_cast<ssize_t>(p.size()));
    const test::Cqe c = test::wait_one(ring);
    CHECK(c.user_data == 0x3a);
    // res: the bytes of the buffer used, header + reserved room + payload.
    REQUIRE(c.res == static_cast<int>(header + p.size()));
    CHECK((c.flags & IORING_CQE_F_MORE) != 0);
    REQUIRE((c.flags & IORING_CQE_F_BUFFER) != 0);
    const unsigned bid = c.flags >> IORING_CQE_BUFFER_SHIFT;
    REQUIRE(bid < kEntries);
    void* buf = mem[bid];

    // One byte short of the header and reserved room: not a valid buffer.
    CHECK(uring::recvmsg_validate(buf, static_cast<int>(header) - 1, &msg) == nullptr);
    io_uring_recvmsg_out* o = uring::recvmsg_validate(buf, c.res, &msg);
    REQUIRE(o == buf);
    CHECK(o->namelen == sizeof(sockaddr_in));
    CHECK(o->controllen == CMSG_SPACE(sizeof(in_pktinfo)));
    CHECK(o->payloadlen == p.size());
    CHECK(o->flags == 0);

    // The sender's address, byte for byte (sin_zero included).
    sockaddr_in want = from;
    std::memset(want.sin_zero, 0, sizeof want.sin_zero);
    CHECK(uring::recvmsg_name(o) == mem[bid] + 16);
    CHECK(std::memcmp(uring::recvmsg_name(o), &want, sizeof want) == 0);

    cmsghdr* cm = uring::recvmsg_cmsg_firsthdr(o, &msg);
    REQUIRE(cm != nullptr);
    CHECK(reinterpret_cast<unsigned char*>(cm) == mem[bid] + 32);
    CHECK(cm->cmsg_level == IPPROTO_IP);
    CHECK(cm->cmsg_type == IP_PKTINFO);
    CHECK(cm->cmsg_len == CMSG_LEN(sizeof(in_pktinfo)));
    in_pktinfo info{};
    std::memcpy(&info, CMSG_DATA(cm), sizeof info);
    CHECK(info.ipi_ifindex == static_cast<int>(::if_nametoindex("lo")));
    CHECK(info.ipi_addr.s_addr == htonl(INADDR_LOOPBACK));
    CHECK(uring::recvmsg_cmsg_nexthdr(o, &msg, cm) == nullptr);  // the only one

    CHECK(uring::recvmsg_payload(o, &msg) == mem[bid] + header);
    CHECK(uring::recvmsg_payload_length(o, c.res, &msg) == p.size());
    CHECK(std::string(static_cast<char*>(uring::recvmsg_payload(o, &msg)), p.size()) == p);
  }
  // Cancel: the cancel's CQE (res 0) and the request's last one (-ECANCELED, no F_MORE).
  ops::queue(ring, 0xca, [&](io_uring_sqe& s) { uring::prep_cancel64(s, 0x3a, 0); });
  ops::submit(ring, 1);
  const auto done = ops::wait_n(ring, 2);
  CHECK(ops::by_data(done, 0xca).res == 0);
  const test::Cqe last = ops::by_data(done, 0x3a);
  CHECK(last.res == -ECANCELED);
  CHECK((last.flags & IORING_CQE_F_MORE) == 0);
  CHECK(uring::free_buf_ring(ring, br, kEntries, kGroup) == 0);
}
