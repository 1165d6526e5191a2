// Encodings pinned at compile time. The pointer-free prep functions are constexpr: each is run
// during constant evaluation and every field it writes is compared with a golden SqeFields (the
// field map of docs/msg-ring.md and docs/audit.md). The goldens are then linted at compile time
// (every prep function must build an SQE the kernel accepts), and the lint rules themselves are
// pinned on single-field corruptions. If any of this breaks, the file does not compile.
//
// At run time, the same goldens are compared with fields_of() of the real SQE, which reads the raw
// bytes: that ties the union members read here to the byte offsets the kernel reads.
#include <catch2/catch.hpp>
#include <cstring>

#include "uring/audit.hpp"
#include "uring/prep.hpp"

namespace {

using uring::SqeFields;

// An SQE the prep function built during constant evaluation (user_data set afterwards, as callers
// do).
template <class F>
constexpr io_uring_sqe built(F prep) {
  io_uring_sqe s{};
  prep(s);
  s.user_data = 0x11;
  return s;
}

// ---- goldens
// -------------------------------------------------------------------------------------

constexpr SqeFields kNop{.opcode = IORING_OP_NOP, .fd = -1, .user_data = 0x11};
constexpr SqeFields kClose{.opcode = IORING_OP_CLOSE, .fd = 7, .user_data = 0x11};
constexpr SqeFields kCloseDirect{.opcode = IORING_OP_CLOSE, .user_data = 0x11, .file_index = 3};
constexpr SqeFields kMsgData{.opcode = IORING_OP_MSG_RING,
                             .fd = 5,
                             .off = 0xabc,
                             .addr = IORING_MSG_DATA,
                             .len = 42,
                             .user_data = 0x11};
constexpr SqeFields kMsgCqeFlags{.opcode = IORING_OP_MSG_RING,
                                 .fd = 5,
                                 .off = 0xabc,
                                 .addr = IORING_MSG_DATA,
                                 .len = 42,
                                 .op_flags = IORING_MSG_RING_FLAGS_PASS,
                                 .user_data = 0x11,
                                 .file_index = 0x1234};
constexpr SqeFields kMsgFd{.opcode = IORING_OP_MSG_RING,
                           .fd = 5,
                           .off = 0x77,
                           .addr = IORING_MSG_SEND_FD,
                           .op_flags = IORING_MSG_RING_CQE_SKIP,
                           .user_data = 0x11,
                           .file_index = 3,  // target slot 2, plus one
                           .addr3 = 1};
constexpr SqeFields kMsgFdAlloc{.opcode = IORING_OP_MSG_RING,
                                .fd = 5,
                                .off = 0x78,
                                .addr = IORING_MSG_SEND_FD,
                                .user_data = 0x11,
                                .file_index = IORING_FILE_INDEX_ALLOC,  // not ALLOC + 1
                                .addr3 = 4};

// ---- prep encodings
// ------------------------------------------------------------------------------

constexpr io_uring_sqe kNopSqe = built([](io_uring_sqe& s) { uring::prep_nop(s); });
static_assert(kNopSqe.opcode == kNop.opcode && kNopSqe.fd == kNop.fd && kNopSqe.off == 0 &&
              kNopSqe.addr == 0 && kNopSqe.len == 0 && kNopSqe.rw_flags == 0 &&
              kNopSqe.flags == 0 && kNopSqe.ioprio == 0 && kNopSqe.buf_index == 0 &&
              kNopSqe.personality == 0 && kNopSqe.splice_fd_in == 0 && kNopSqe.addr3 == 0);

constexpr io_uring_sqe kCloseSqe = built([](io_uring_sqe& s) { uring::prep_close(s, 7); });
static_assert(kCloseSqe.opcode == IORING_OP_CLOSE && kCloseSqe.fd == 7 && kCloseSqe.off == 0 &&
              kCloseSqe.addr == 0 && kCloseSqe.len == 0 && kCloseSqe.rw_flags == 0 &&
              kCloseSqe.splice_fd_in == 0);

constexpr io_uring_sqe kCloseDirectSqe =
    built([](io_uring_sqe& s) { uring::prep_close_direct(s, 2); });
static_assert(kCloseDirectSqe.opcode == IORING_OP_CLOSE && kCloseDirectSqe.fd == 0 &&
              kCloseDirectSqe.file_index == 3 && kCloseDirectSqe.rw_flags == 0);

constexpr io_uring_sqe kMsgDataSqe =
    built([](io_uring_sqe& s) { uring::prep_msg_ring(s, 5, 42, 0xabc, 0); });
static_assert(kMsgDataSqe.opcode == IORING_OP_MSG_RING && kMsgDataSqe.fd == 5 &&
              kMsgDataSqe.addr == IORING_MSG_DATA && kMsgDataSqe.len == 42 &&
              kMsgDataSqe.off == 0xabc && kMsgDataSqe.msg_ring_flags == 0 &&
              kMsgDataSqe.splice_fd_in == 0 && kMsgDataSqe.addr3 == 0);

constexpr io_uring_sqe kMsgCqeFlagsSqe =
    built([](io_uring_sqe& s) { uring::prep_msg_ring_cqe_flags(s, 5, 42, 0xabc, 0, 0x1234); });
static_assert(kMsgCqeFlagsSqe.msg_ring_flags == IORING_MSG_RING_FLAGS_PASS &&
              kMsgCqeFlagsSqe.file_index == 0x1234 && kMsgCqeFlagsSqe.len == 42 &&
              kMsgCqeFlagsSqe.off == 0xabc && kMsgCqeFlagsSqe.addr == IORING_MSG_DATA);

constexpr io_uring_sqe kMsgFdSqe = built(
    [](io_uring_sqe& s) { uring::prep_msg_ring_fd(s, 5, 1, 2, 0x77, IORING_MSG_RING_CQE_SKIP); });
static_assert(kMsgFdSqe.addr == IORING_MSG_SEND_FD && kMsgFdSqe.addr3 == 1 &&
              kMsgFdSqe.file_index == 3 && kMsgFdSqe.len == 0 && kMsgFdSqe.off == 0x77 &&
              kMsgFdSqe.msg_ring_flags == IORING_MSG_RING_CQE_SKIP);

constexpr io_uring_sqe kMsgFdAllocSqe =
    built([](io_uring_sqe& s) { uring::prep_msg_ring_fd_alloc(s, 5, 4, 0x78, 0); });
static_assert(kMsgFdAllocSqe.file_index == IORING_FILE_INDEX_ALLOC && kMsgFdAllocSqe.addr3 == 4 &&
              kMsgFdAllocSqe.addr == IORING_MSG_SEND_FD && kMsgFdAllocSqe.msg_ring_flags == 0);

// A negative source slot keeps its sign in addr3, as liburing does (the kernel then reads the low
// 32 bits: an out-of-range slot, -EBADF).
constexpr io_uring_sqe kMsgFdNeg =
    built([](io_uring_sqe& s) { uring::prep_msg_ring_fd(s, 5, -1, 0, 0, 0); });
static_assert(kMsgFdNeg.addr3 == ~std::uint64_t{0} && kMsgFdNeg.file_index == 1);

constexpr SqeFields kFilesUpdateProbe{.opcode = IORING_OP_FILES_UPDATE, .fd = -1, .len = 1};

// ---- the goldens pass lint, and describe names their parts -------------------------------------

static_assert(uring::lint(kNop).clean() && uring::lint(kClose).clean() &&
              uring::lint(kCloseDirect).clean() && uring::lint(kMsgData).clean() &&
              uring::lint(kMsgCqeFlags).clean() && uring::lint(kMsgFd).clean() &&
              uring::lint(kMsgFdAlloc).clean());
// No notes either: fd -1 in an ignored fd is the conventional "no file", not worth a note.
static_assert(uring::lint(kNop).count == 0 && uring::lint(kFilesUpdateProbe).count == 0);
static_assert(std::string_view(uring::describe(kMsgFd).variant) == "SEND_FD");
static_assert(std::string_view(uring::describe(kMsgFdAlloc).variant) ==
              "SEND_FD (target slot allocated)");
static_assert(uring::describe(kMsgFd).fields[static_cast<int>(uring::FieldId::addr3)].use ==
              uring::Use::used);
static_assert(uring::describe(kMsgData).fields[static_cast<int>(uring::FieldId::addr3)].use ==
              uring::Use::zero);
static_assert(uring::describe(kCloseDirect).fields[static_cast<int>(uring::FieldId::fd)].use ==
              uring::Use::zero);
static_assert(!uring::describe(SqeFields{.opcode = 0xff}).known);

// ---- the rules, one corruption each
// --------------------------------------------------------------

template <class F>
constexpr int expected(SqeFields f, F corrupt) {
  corrupt(f);
  return uring::lint(f).expected_error();
}

// kernel-facts.md rows.
static_assert(expected(kMsgData, [](SqeFields& f) { f.op_flags = IORING_MSG_RING_CQE_SKIP; }) ==
              EINVAL);
static_assert(expected(kMsgData, [](SqeFields& f) { f.personality = 1; }) == EINVAL);
static_assert(expected(kMsgData, [](SqeFields& f) { f.buf_index = 1; }) == EINVAL);
static_assert(expected(kMsgData, [](SqeFields& f) { f.addr3 = 1; }) == EINVAL);
static_assert(expected(kMsgData, [](SqeFields& f) { f.file_index = 5; }) == EINVAL);
static_assert(expected(kMsgData, [](SqeFields& f) { f.addr = 99; }) == EINVAL);
static_assert(expected(kMsgFd, [](SqeFields& f) { f.len = 1; }) == EINVAL);
static_assert(expected(kMsgFd, [](SqeFields& f) { f.op_flags = 0x80; }) == EINVAL);
// The kernel keeps 32 bits of the command and of the source slot.
static_assert(expected(kMsgData, [](SqeFields& f) { f.addr3 = 1ull << 32; }) == 0);
static_assert(expected(kMsgData, [](SqeFields& f) { f.addr = 1ull << 32; }) == 0);
// SEND_FD target slot 0 is slot -1.
static_assert(expected(kMsgFd, [](SqeFields& f) { f.file_index = 0; }) == EINVAL);
// Generic: unknown IOSQE bit, BUFFER_SELECT where there is none, DRAIN with CQE_SKIP_SUCCESS,
// ioprio where the opcode takes none.
static_assert(expected(kNop, [](SqeFields& f) { f.flags = 0x80; }) == EINVAL);
static_assert(expected(kNop, [](SqeFields& f) { f.flags = IOSQE_BUFFER_SELECT; }) == EOPNOTSUPP);
static_assert(expected(kNop, [](SqeFields& f) {
                f.flags = IOSQE_IO_DRAIN | IOSQE_CQE_SKIP_SUCCESS;
              }) == EOPNOTSUPP);
static_assert(expected(kNop, [](SqeFields& f) { f.ioprio = 1; }) == EINVAL);
// CLOSE.
static_assert(expected(kClose, [](SqeFields& f) { f.flags = IOSQE_FIXED_FILE; }) == EBADF);
static_assert(expected(kClose, [](SqeFields& f) { f.file_index = 1; }) == EINVAL);
static_assert(expected(kClose, [](SqeFields& f) { f.len = 1; }) == EINVAL);
// NOP flags.
static_assert(expected(kNop, [](SqeFields& f) { f.op_flags = 0x80; }) == EINVAL);
static_assert(expected(kNop, [](SqeFields& f) { f.op_flags = IORING_NOP_INJECT_RESULT; }) == 0);
// FILES_UPDATE.
constexpr SqeFields kFilesUpdate{
    .opcode = IORING_OP_FILES_UPDATE, .fd = -1, .addr = 0x1000, .len = 2, .user_data = 0x11};
static_assert(uring::lint(kFilesUpdate).clean());
static_assert(expected(kFilesUpdate, [](SqeFields& f) { f.flags = IOSQE_FIXED_FILE; }) == EINVAL);
static_assert(expected(kFilesUpdate, [](SqeFields& f) { f.op_flags = 1; }) == EINVAL);
static_assert(expected(kFilesUpdate, [](SqeFields& f) { f.len = 0; }) == EINVAL);
static_assert(expected(kFilesUpdate, [](SqeFields& f) { f.off = 0xfffffffe; }) == EOVERFLOW);
static_assert(expected(kFilesUpdate, [](SqeFields& f) { f.off = IORING_FILE_INDEX_ALLOC; }) == 0);

// Bytes and fields convert both ways at compile time.
constexpr bool round_trips(const SqeFields& f) {
  std::uint8_t b[64] = {};
  uring::bytes_of(f, std::span<std::uint8_t, 64>(b));
  return uring::fields_of(std::span<const std::uint8_t, 64>(b)) == f;
}
static_assert(round_trips(kMsgFd) && round_trips(kMsgCqeFlags) && round_trips(kNop));

void require_fields(const io_uring_sqe& s, const SqeFields& want) {
  io_uring_sqe copy = s;
  copy.user_data = 0x11;
  CHECK(uring::fields_of(copy) == want);
}

io_uring_sqe stale() {
  io_uring_sqe s;
  std::memset(&s, 0xa5, sizeof s);
  return s;
}

}  // namespace

TEST_CASE("the compile-time goldens are the bytes the kernel reads", "[prep][audit]") {
  io_uring_sqe s = stale();
  uring::prep_nop(s);
  require_fields(s, kNop);
  s = stale();
  uring::prep_close(s, 7);
  require_fields(s, kClose);
  s = stale();
  uring::prep_close_direct(s, 2);
  require_fields(s, kCloseDirect);
  s = stale();
  uring::prep_msg_ring(s, 5, 42, 0xabc, 0);
  require_fields(s, kMsgData);
  s = stale();
  uring::prep_msg_ring_cqe_flags(s, 5, 42, 0xabc, 0, 0x1234);
  require_fields(s, kMsgCqeFlags);
  s = stale();
  uring::prep_msg_ring_fd(s, 5, 1, 2, 0x77, IORING_MSG_RING_CQE_SKIP);
  require_fields(s, kMsgFd);
  s = stale();
  uring::prep_msg_ring_fd_alloc(s, 5, 4, 0x78, 0);
  require_fields(s, kMsgFdAlloc);
  s = stale();
  uring::prep_files_update(s, reinterpret_cast<int*>(std::uintptr_t{0x1000}), 2, 0);
  require_fields(s, kFilesUpdate);
}
