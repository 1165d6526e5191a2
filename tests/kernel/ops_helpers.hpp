// Shared by the per-family round-trip tests (ops_*_test.cpp): one SQE in, its CQE out, with the
// opcode gated on the probe.
#pragma once

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support/modes.hpp"

namespace ops {

// True when the ring's kernel has opcode `op`; otherwise one UNSUPPORTED line naming the
// first kernel that has it ("IORING_OP_BIND: needs kernel 6.11") and false.
inline bool has(uring::Ring& ring, unsigned op, const char* name, const char* kernel) {
  auto probe = uring::probe(ring);
  REQUIRE(probe.ok());
  if (probe->supports(op)) return true;
  test::unsupported(std::string(name) + ": needs kernel " + kernel);
  return false;
}

// Prepares one SQE with `prep`, sets user_data, submits (after test::idle for SQPOLL).
template <class Prep>
void queue(uring::Ring& ring, std::uint64_t user_data, Prep&& prep) {
  io_uring_sqe& sqe = test::sqe_of(ring);
  prep(sqe);
  sqe.user_data = user_data;
}

inline void submit(uring::Ring& ring, int n) {
  test::idle(ring);
  REQUIRE(ring.submit() == n);
}

// One request, its CQE's res.
template <class Prep>
int run(uring::Ring& ring, Prep&& prep) {
  constexpr std::uint64_t kData = 0x0b5e55ed;
  queue(ring, kData, prep);
  submit(ring, 1);
  const test::Cqe c = test::wait_one(ring);
  REQUIRE(c.user_data == kData);
  return c.res;
}

// The next n CQEs (1 s each at most), in completion order.
inline std::vector<test::Cqe> wait_n(uring::Ring& ring, int n) {
  std::vector<test::Cqe> out;
  for (int i = 0; i < n; ++i) out.push_back(test::wait_one(ring));
  return out;
}

// The CQE with this user_data among cqes (REQUIREs exactly one).
inline test::Cqe by_data(const std::vector<test::Cqe>& cqes, std::uint64_t user_data) {
  INFO("user_data " << user_data);
  REQUIRE(std::count_if(cqes.begin(), cqes.end(),
                        [&](const test::Cqe& c) { return c.user_data == user_data; }) == 1);
  return *std::find_if(cqes.begin(), cqes.end(),
                       [&](const test::Cqe& c) { return c.user_data == user_data; });
}

// Nothing completes within a short while (the request is really pending).
inline void none_ready(uring::Ring& ring) {
  __kernel_timespec ts{0, 20'000'000};
  io_uring_cqe* cqe = nullptr;
  REQUIRE(ring.wait_cqe(&cqe, &ts) == -ETIME);
}

}  // namespace ops
