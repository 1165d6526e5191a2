// The SQ and CQ accessors against a simulated kernel: plain memory laid out like the mapped rings
// and a peer thread that follows the kernel's side of the protocol (load-acquire the SQ tail, copy
// SQEs, store-release the SQ head; write CQEs, store-release the CQ tail, load-acquire the CQ
// head). Run under ThreadSanitizer in CI, where a missing or misplaced barrier is reported as a
// race.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <thread>
#include <vector>

#include "uring/completion.hpp"
#include "uring/prep.hpp"
#include "uring/ring.hpp"
#include "uring/submission.hpp"

namespace {

template <class T>
T load_acquire(T* p) {
  return std::atomic_ref<T>(*p).load(std::memory_order_acquire);
}
template <class T>
void store_release(T* p, T v) {
  std::atomic_ref<T>(*p).store(v, std::memory_order_release);
}

// One simulated ring pair; each shared word on its own cache line as in the kernel's layout.
struct FakeRings {
  explicit FakeRings(unsigned sq_entries, unsigned cq_entries, unsigned start = 0)
      : sqes(sq_entries), cqes(cq_entries) {
    // Start the indices near the 32-bit wrap so the arithmetic is exercised across it.
    sq_head.v = sq_tail.v = cq_head.v = cq_tail.v = start;
    sq_entries_ = sq_entries;
    cq_entries_ = cq_entries;
  }
  struct alignas(64) Word {
    unsigned v = 0;
  };
  Word sq_head, sq_tail, sq_flags, sq_dropped, cq_head, cq_tail, cq_overflow, cq_flags;
  std::vector<io_uring_sqe> sqes;
  std::vector<io_uring_cqe> cqes;
  unsigned sq_entries_, cq_entries_;

  uring::SubmissionQueue sq() {
    return uring::SubmissionQueue(uring::SqRingView{&sq_head.v, &sq_tail.v, &sq_flags.v,
                                                    &sq_dropped.v, sqes.data(), sq_entries_});
  }
  uring::CompletionQueue cq() {
    return uring::CompletionQueue(uring::CqRingView{&cq_head.v, &cq_tail.v, &cq_overflow.v,
                                                    &cq_flags.v, cqes.data(), cq_entries_});
  }
};

// The kernel's side: consumes `total` SQEs and answers each with a CQE (res = user_data * 3),
// waiting for CQ space like a kernel that never overflows.
void kernel_peer(FakeRings& r, std::uint64_t total) {
  unsigned sq_head = r.sq_head.v, cq_tail = r.cq_tail.v;
  const unsigned sq_mask = r.sq_entries_ - 1, cq_mask = r.cq_entries_ - 1;
  for (std::uint64_t done = 0; done < total;) {
    const unsigned tail = load_acquire(&r.sq_tail.v);
    if (tail == sq_head) {
      std::this_thread::yield();
      continue;
    }
    for (; sq_head != tail; ++sq_head, ++done) {
      const io_uring_sqe sqe = r.sqes[sq_head & sq_mask];  // the kernel copies the SQE first
      store_release(&r.sq_head.v, sq_head + 1);
      while (cq_tail - load_acquire(&r.cq_head.v) == r.cq_entries_) std::this_thread::yield();
      io_uring_cqe& cqe = r.cqes[cq_tail & cq_mask];
      cqe.user_data = sqe.user_data;
      cqe.res = static_cast<std::int32_t>(sqe.user_data * 3) + sqe.opcode;
      cqe.flags = 0;
      store_release(&r.cq_tail.v, ++cq_tail);
    }
  }
}

// The kernel's side of the CQ alone: posts `total` CQEs (user_data = i, res = i ^ 0x55), waiting
// for space by load-acquiring the CQ head. No SQ handshake orders anything here, so the only
// thing between our reads of a CQE and the peer's next write into that slot is the head's
// release store pairing with this acquire: weaken either and TSan reports the race.
void cq_producer(FakeRings& r, std::uint64_t total) {
  unsigned cq_tail = r.cq_tail.v;
  const unsigned cq_mask = r.cq_entries_ - 1;
  for (std::uint64_t i = 0; i < total; ++i) {
    while (cq_tail - load_acquire(&r.cq_head.v) == r.cq_entries_) std::this_thread::yield();
    io_uring_cqe& cqe = r.cqes[cq_tail & cq_mask];
    cqe.user_data = i;
    cqe.res = static_cast<std::int32_t>(i ^ 0x55);
    cqe.flags = static_cast<std::uint32_t>(i);
    store_release(&r.cq_tail.v, ++cq_tail);
  }
}

}  // namespace

TEST_CASE("get_sqe hands out exactly `entries` slots, then nullptr until the head moves", "[sq]") {
  FakeRings r(8, 16, 0xfffffffa);
  auto sq = r.sq();
  std::vector<io_uring_sqe*> got;
  while (io_uring_sqe* s = sq.get_sqe()) got.push_back(s);
  REQUIRE(got.size() == 8);
  REQUIRE(sq.space_left() == 0);
  // Ring order: slot i is SQE (start + i) & mask.
  for (unsigned i = 0; i < 8; ++i) REQUIRE(got[i] == &r.sqes[(0xfffffffa + i) & 7]);
  REQUIRE(sq.unpublished() == 8);
  REQUIRE(sq.flush() == 8);
  REQUIRE(r.sq_tail.v == 0xfffffffaU + 8);  // wrapped past zero
  REQUIRE(sq.unpublished() == 0);
  // The "kernel" consumes three.
  r.sq_head.v = 0xfffffffaU + 3;
  REQUIRE(sq.get_sqe() == &r.sqes[(0xfffffffaU + 8) & 7]);
  REQUIRE(sq.get_sqe() != nullptr);
  REQUIRE(sq.get_sqe() != nullptr);
  REQUIRE(sq.get_sqe() == nullptr);
  REQUIRE(sq.flush() == 8);
}

TEST_CASE("get_sqes reserves all n slots in ring order, or none", "[sq]") {
  FakeRings r(8, 16, 0xfffffffe);
  auto sq = r.sq();
  const uring::SqeBatch three = sq.get_sqes(3);
  REQUIRE(three.size() == 3);
  for (unsigned i = 0; i < 3; ++i) REQUIRE(&three[i] == &r.sqes[(0xfffffffeU + i) & 7]);
  REQUIRE(sq.get_sqe() == &r.sqes[(0xfffffffeU + 3) & 7]);  // get_sqe continues after the batch
  REQUIRE(sq.space_left() == 4);
  REQUIRE(sq.get_sqes(5).size() == 0);  // all or nothing: 4 free
  REQUIRE(sq.space_left() == 4);        // a refused batch takes nothing
  REQUIRE(sq.get_sqes(4).size() == 4);
  REQUIRE(sq.get_sqes(1).size() == 0);
  REQUIRE(sq.flush() == 8);
  r.sq_head.v = 0xfffffffeU + 6;  // the "kernel" consumed six
  const uring::SqeBatch six = sq.get_sqes(6);
  REQUIRE(six.size() == 6);
  REQUIRE(&six[0] == &r.sqes[(0xfffffffeU + 8) & 7]);
  REQUIRE(sq.flush() == 8);
  REQUIRE(r.sq_tail.v == 0xfffffffeU + 14);
}

TEST_CASE("flush publishes the tail only when it moved, and reports what the kernel has left",
          "[sq]") {
  FakeRings r(4, 8);
  auto sq = r.sq();
  REQUIRE(sq.flush() == 0);
  REQUIRE(r.sq_tail.v == 0);
  sq.get_sqe();
  sq.get_sqe();
  REQUIRE(r.sq_tail.v == 0);  // nothing visible before flush
  REQUIRE(sq.flush() == 2);
  REQUIRE(r.sq_tail.v == 2);
  r.sq_head.v = 2;
  REQUIRE(sq.flush() == 0);
}

TEST_CASE("SQ flags and dropped are read from the kernel's words", "[sq]") {
  FakeRings r(4, 8);
  auto sq = r.sq();
  REQUIRE_FALSE(sq.needs_wakeup());
  r.sq_flags.v = IORING_SQ_NEED_WAKEUP | IORING_SQ_CQ_OVERFLOW;
  REQUIRE(sq.needs_wakeup());
  REQUIRE(sq.flags() == (IORING_SQ_NEED_WAKEUP | IORING_SQ_CQ_OVERFLOW));
  r.sq_dropped.v = 3;
  REQUIRE(sq.dropped() == 3);
}

TEST_CASE("peek, advance and for_each consume CQEs in order with exact head stores", "[cq]") {
  FakeRings r(4, 4, 0xfffffffe);
  auto cq = r.cq();
  REQUIRE(cq.peek() == nullptr);
  REQUIRE(cq.for_each([](const io_uring_cqe&) { FAIL("no CQE expected"); }) == 0);
  for (unsigned i = 0; i < 3; ++i) r.cqes[(0xfffffffe + i) & 3].user_data = 100 + i;
  r.cq_tail.v = 0xfffffffeU + 3;
  REQUIRE(cq.ready() == 3);
  io_uring_cqe* c = cq.peek();
  REQUIRE(c != nullptr);
  REQUIRE(c->user_data == 100);
  REQUIRE(cq.peek() == c);  // peek does not consume
  cq.advance(1);
  REQUIRE(r.cq_head.v == 0xffffffffU);
  std::vector<std::uint64_t> seen;
  REQUIRE(cq.for_each([&](const io_uring_cqe& e) { seen.push_back(e.user_data); }) == 2);
  REQUIRE(seen == std::vector<std::uint64_t>{101, 102});
  REQUIRE(r.cq_head.v == 1);  // one store for the batch, across the wrap
  REQUIRE(cq.peek() == nullptr);
  r.cq_overflow.v = 9;
  REQUIRE(cq.overflow() == 9);
}

TEST_CASE("a peer thread playing the kernel sees every SQE once and we see every CQE once",
          "[sq][cq][threads]") {
  constexpr std::uint64_t kTotal = 50000;
  const unsigned batch = GENERATE(1u, 7u, 32u);
  FakeRings r(16, 32, 0xffff0000);
  auto sq = r.sq();
  auto cq = r.cq();
  std::thread peer(kernel_peer, std::ref(r), kTotal);

  std::uint64_t next_submit = 0, next_reap = 0;
  bool in_order = true;
  auto reap = [&](const io_uring_cqe& c) {
    in_order &= c.user_data == next_reap &&
                c.res == static_cast<std::int32_t>(next_reap * 3) + IORING_OP_NOP;
    ++next_reap;
  };
  while (next_reap < kTotal) {
    // At most the SQ's size: a batch larger than the SQ can never be reserved (all or nothing).
    const unsigned want =
        static_cast<unsigned>(std::min<std::uint64_t>({batch, kTotal - next_submit, sq.entries()}));
    if (next_submit % 2 == 0 && want > 1) {  // half the rounds reserve the batch at once
      const uring::SqeBatch sqes = sq.get_sqes(want);
      for (unsigned i = 0; i < sqes.size(); ++i) {
        uring::prep_nop(sqes[i]);
        sqes[i].user_data = next_submit++;
      }
    } else {
      for (unsigned queued = 0; queued < want; ++queued) {
        io_uring_sqe* sqe = sq.get_sqe();
        if (!sqe) break;
        uring::prep_nop(*sqe);
        sqe->user_data = next_submit++;
      }
    }
    sq.flush();
    // Alternate the two consumption styles.
    if (next_reap % 2) {
      cq.for_each(reap);
    } else if (io_uring_cqe* c = cq.peek()) {
      reap(*c);
      cq.advance(1);
    }
  }
  peer.join();
  REQUIRE(in_order);
  REQUIRE(next_reap == kTotal);
  REQUIRE(r.sq_head.v == 0xffff0000U + static_cast<unsigned>(kTotal));
  REQUIRE(r.cq_head.v == 0xffff0000U + static_cast<unsigned>(kTotal));
}

TEST_CASE("a CQ-only peer: every CQE seen once, in order, its slot reused only after advance",
          "[cq][threads]") {
  constexpr std::uint64_t kTotal = 100000;
  FakeRings r(4, 8, 0xfffff000);
  auto cq = r.cq();
  std::thread peer(cq_producer, std::ref(r), kTotal);
  std::uint64_t next = 0;
  bool in_order = true;
  auto check = [&](const io_uring_cqe& c) {
    in_order &= c.user_data == next && c.res == static_cast<std::int32_t>(next ^ 0x55) &&
                c.flags == static_cast<std::uint32_t>(next);
    ++next;
  };
  while (next < kTotal) {
    switch (next % 3) {
      case 0: cq.for_each(check); break;
      case 1:
        if (io_uring_cqe* c = cq.peek()) {
          check(*c);
          cq.seen(c);
        }
        break;
      default: {
        const auto batch = cq.peek_batch();
        for (unsigned i = 0; i < batch.size(); ++i) check(batch[i]);
        cq.advance(batch.size());
      }
    }
  }
  peer.join();
  REQUIRE(in_order);
  REQUIRE(next == kTotal);
  REQUIRE(r.cq_head.v == 0xfffff000U + static_cast<unsigned>(kTotal));
}

TEST_CASE("128-byte SQEs and 32-byte CQEs: the accessors step two slots of the array",
          "[accessor]") {
  // 4 entries of 2 slots each; indices start 3 below the 32-bit wrap.
  FakeRings r(4, 4, 0xfffffffdU);
  r.sqes.resize(8);
  r.cqes.resize(8);
  uring::SubmissionQueue sq(uring::SqRingView{&r.sq_head.v, &r.sq_tail.v, &r.sq_flags.v,
                                              &r.sq_dropped.v, r.sqes.data(), 4});
  uring::CompletionQueue cq(uring::CqRingView{&r.cq_head.v, &r.cq_tail.v, &r.cq_overflow.v,
                                              &r.cq_flags.v, r.cqes.data(), 4});
  // Index 0xfffffffd & 3 == 1: slot 2, then slots 4, 6, 0 (the mask wraps before the shift).
  CHECK(sq.get_sqe<1>() == &r.sqes[2]);
  const uring::BasicSqeBatch<1> b = sq.get_sqes<1>(3);
  REQUIRE(b);
  CHECK(&b[0] == &r.sqes[4]);
  CHECK(&b[1] == &r.sqes[6]);
  CHECK(&b[2] == &r.sqes[0]);
  CHECK(sq.get_sqe<1>() == nullptr);
  CHECK(sq.flush() == 4);
  CHECK(r.sq_tail.v == 1U);  // 0xfffffffd + 4, wrapped

  // Three 32-byte CQEs at entries 1, 2, 3 (slots 2, 4, 6), their extra words in the next slot.
  for (unsigned i = 0; i < 3; ++i) {
    r.cqes[2 * ((0xfffffffdU + i) & 3)].user_data = 10 + i;
    r.cqes[2 * ((0xfffffffdU + i) & 3) + 1].user_data = 20 + i;  // big_cqe[0]
  }
  store_release(&r.cq_tail.v, 0xfffffffdU + 3);
  io_uring_cqe* first = cq.peek<1>();
  REQUIRE(first == &r.cqes[2]);
  CHECK(first->big_cqe[0] == 20U);
  CHECK(!cq.seen<1>(&r.cqes[3]));  // the second half of an entry is no CQE of its own
  CHECK(cq.seen<1>(first));
  const auto batch = cq.peek_batch<1>();
  REQUIRE(batch.size() == 2);
  CHECK(&batch[1] == &r.cqes[6]);
  std::vector<std::uint64_t> extra;
  CHECK(cq.for_each<1>([&](const io_uring_cqe& c) { extra.push_back(c.big_cqe[0]); }) == 2);
  CHECK(extra == std::vector<std::uint64_t>{21, 22});
  CHECK(r.cq_head.v == 0xfffffffdU + 3);
}

TEST_CASE("CQE_MIXED: 32-byte CQEs take two slots, the pad before the wrap is never shown",
          "[accessor]") {
  // 8 slots, starting 2 below the 32-bit wrap (index 0xfffffffe is slot 6).
  FakeRings r(2, 8, 0xfffffffeU);
  auto cq = r.cq();
  const auto post = [&](unsigned index, std::uint64_t ud, unsigned flags) {
    io_uring_cqe& c = r.cqes[index & 7];
    c.user_data = ud;
    c.res = 0;
    c.flags = flags;
  };
  // Slot 6: a small CQE; slot 7: a pad (a big one cannot start at the last slot); slots 0-1: the
  // big one; slot 2: a small one. Tail = start + 5.
  const unsigned s = 0xfffffffeU;
  post(s, 1, 0);
  post(s + 1, 0, IORING_CQE_F_SKIP);
  post(s + 2, 2, IORING_CQE_F_32);
  r.cqes[(s + 3) & 7].user_data = 0xb16;  // big_cqe[0] of the big one
  post(s + 4, 3, 0);
  store_release(&r.cq_tail.v, s + 5);
  CHECK(cq.ready() == 5);

  io_uring_cqe* c = cq.peek_mixed();
  REQUIRE(c == &r.cqes[6]);
  CHECK(cq.seen_mixed(c));
  CHECK(r.cq_head.v == s + 1);
  c = cq.peek_mixed();  // steps over the pad, privately
  REQUIRE(c == &r.cqes[0]);
  CHECK(c->user_data == 2U);
  CHECK(c->big_cqe[0] == 0xb16U);
  CHECK(r.cq_head.v == s + 1);  // the pad reaches the kernel with the next head store
  CHECK(cq.seen_mixed(c));      // two slots
  CHECK(r.cq_head.v == s + 4);
  std::vector<std::uint64_t> seen;
  CHECK(cq.for_each_mixed([&](const io_uring_cqe& q) { seen.push_back(q.user_data); }) == 1);
  CHECK(seen == std::vector<std::uint64_t>{3});
  CHECK(r.cq_head.v == s + 5);
  CHECK(cq.peek_mixed() == nullptr);

  // Only a pad ready: nothing to show, and publish_head hands the slot back.
  post(s + 5, 0, IORING_CQE_F_SKIP);
  store_release(&r.cq_tail.v, s + 6);
  CHECK(cq.peek_mixed() == nullptr);
  CHECK(r.cq_head.v == s + 5);
  cq.publish_head();
  CHECK(r.cq_head.v == s + 6);
}

TEST_CASE("cqe_nr, cqe_shift_from_flags, sqe_shift_from_flags: liburing's values",
          "[accessors][liburing]") {
  io_uring_cqe cqe{};
  CHECK(uring::cqe_nr(cqe) == 1);
  cqe.flags = IORING_CQE_F_32;
  CHECK(uring::cqe_nr(cqe) == 2);
  CHECK(uring::cqe_nr(&cqe) == 2);
  cqe.flags = IORING_CQE_F_32 | IORING_CQE_F_MORE | (7U << IORING_CQE_BUFFER_SHIFT);
  CHECK(uring::cqe_nr(cqe) == 2);
  cqe.flags = IORING_CQE_F_SKIP;  // a pad is one slot
  CHECK(uring::cqe_nr(cqe) == 1);
  static_assert(uring::cqe_nr(io_uring_cqe{0, 0, IORING_CQE_F_32}) == 2);

  CHECK(uring::cqe_shift_from_flags(0) == 0);
  CHECK(uring::cqe_shift_from_flags(IORING_SETUP_CQE32) == 1);
  CHECK(uring::cqe_shift_from_flags(IORING_SETUP_CQE_MIXED) == 0);
  CHECK(uring::cqe_shift_from_flags(IORING_SETUP_SQE128) == 0);
  CHECK(uring::sqe_shift_from_flags(0) == 0);
  CHECK(uring::sqe_shift_from_flags(IORING_SETUP_SQE128) == 1);
  CHECK(uring::sqe_shift_from_flags(IORING_SETUP_CQE32 | IORING_SETUP_SQPOLL) == 0);
  // The ring types' own flags give the strides their accessors use.
  CHECK(uring::sqe_shift_from_flags(uring::BigRing::kSizeFlags) == 1);
  CHECK(uring::cqe_shift_from_flags(uring::BigRing::kSizeFlags) == 1);
  CHECK(uring::cqe_shift_from_flags(uring::MixedCqRing::kSizeFlags) == 0);
}
