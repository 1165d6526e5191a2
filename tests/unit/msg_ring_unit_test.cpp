// The kernel-free half of uring/msg_ring.hpp: results reach the caller as the kernel wrote them
// (including -ENOMEM and -EOVERFLOW, which a healthy kernel cannot be made to produce), the
// message tag convention, and the feature decision from the probe's raw answers.
#include <catch2/catch.hpp>
#include <cerrno>

#include "uring/msg_ring.hpp"

namespace {

io_uring_cqe cqe_with(std::int32_t res, std::uint32_t flags = 0) {
  io_uring_cqe c{};
  c.user_data = 0x77;
  c.res = res;
  c.flags = flags;
  return c;
}

}  // namespace

TEST_CASE("-ENOMEM and -EOVERFLOW source CQEs reach the caller unchanged", "[msg_ring]") {
  for (const int err : {-ENOMEM, -EOVERFLOW, -EOWNERDEAD, -ENFILE, -EINVAL}) {
    INFO("errno " << -err);
    const io_uring_cqe c = cqe_with(err);
    CHECK(uring::send_result(c) == err);
    const auto slot = uring::allocated_slot(c);
    REQUIRE_FALSE(slot.ok());
    CHECK(slot.error() == err);
  }
}

TEST_CASE("allocated_slot decodes a non-negative res as the slot, 0 included", "[msg_ring]") {
  auto s = uring::allocated_slot(cqe_with(0));
  REQUIRE(s.ok());
  CHECK(*s == uring::FixedFile(0));
  s = uring::allocated_slot(cqe_with(1048575));
  REQUIRE(s.ok());
  CHECK(s->index() == 1048575U);
}

TEST_CASE("message_len reads res bit for bit: a len above INT_MAX is not an error", "[msg_ring]") {
  CHECK(uring::message_len(cqe_with(42)) == 42U);
  CHECK(uring::message_len(cqe_with(-ENOMEM)) == 0xFFFFFFF4U);
}

TEST_CASE("message tag: set by message_flags, refused for local CQE flag patterns", "[msg_ring]") {
  CHECK(uring::message_flags() == 0x4D000000U);
  CHECK(uring::message_flags(0xAB) == 0x4DAB0000U);
  const io_uring_cqe tagged = cqe_with(5, uring::message_flags(0xAB));
  CHECK(uring::is_message(tagged));
  CHECK(uring::message_kind(tagged) == 0xAB);
  // Local CQEs: plain, F_MORE, a selected buffer whose id has 0x4D in its top byte, a timestamp.
  CHECK_FALSE(uring::is_message(cqe_with(0, 0)));
  CHECK_FALSE(uring::is_message(cqe_with(0, IORING_CQE_F_MORE)));
  CHECK_FALSE(uring::is_message(cqe_with(0, 0x4D000000U | IORING_CQE_F_BUFFER)));
  CHECK_FALSE(uring::is_message(cqe_with(0, (1U << 16) | (3U << 17))));
  // A message without the tag (flags 0, as a DATA message without FLAGS_PASS) is not recognised.
  CHECK_FALSE(uring::is_message(cqe_with(5, 0x4C000000U)));
}

TEST_CASE("MsgRingSupport::from: each kernel generation gets exactly its features", "[msg_ring]") {
  using S = uring::MsgRingSupport;
  // 5.17: no MSG_RING opcode at all.
  S s = S::from(false, IORING_OP_MSG_RING - 1, -EINVAL, -EBADF);
  CHECK((!s.data && !s.send_fd && !s.cqe_skip && !s.flags_pass && !s.sync));
  // 5.18/5.19: DATA only (last op URING_CMD = 46).
  s = S::from(true, 46, -EINVAL, -EBADF);
  CHECK((s.data && !s.send_fd && !s.cqe_skip && !s.flags_pass && !s.sync));
  // 6.0: SEND_FD (SEND_ZC = 47 is the last op), no CQE_SKIP.
  s = S::from(true, IORING_OP_SEND_ZC, -EINVAL, -EBADF);
  CHECK((s.data && s.send_fd && !s.cqe_skip && !s.flags_pass && !s.sync));
  // 6.1/6.2: CQE_SKIP, FLAGS_PASS refused.
  s = S::from(true, IORING_OP_SENDMSG_ZC, -EINVAL, -EBADF);
  CHECK((s.data && s.send_fd && s.cqe_skip && !s.flags_pass && !s.sync));
  // 6.3 .. 6.12: FLAGS_PASS; register opcode 31 is past the table: -EINVAL (measured on 6.1),
  // which 6.13 would also answer to a malformed call, so only 0 counts.
  s = S::from(true, 52, 0, -EINVAL);
  CHECK((s.data && s.send_fd && s.cqe_skip && s.flags_pass && !s.sync));
  s = S::from(true, 52, 0, -EBADF);
  CHECK((s.data && s.send_fd && s.cqe_skip && s.flags_pass && !s.sync));
  // 6.13+: the blind register opcode delivers the message: 0.
  s = S::from(true, 57, 0, 0);
  CHECK((s.data && s.send_fd && s.cqe_skip && s.flags_pass && s.sync));
  // A MSG_RING the probe marks unsupported (e.g. restricted) gets nothing, whatever else says.
  s = S::from(false, 57, 0, 0);
  CHECK((!s.data && !s.send_fd && !s.cqe_skip && !s.flags_pass && !s.sync));
}
