// test::in_thread and test::Threads (tests/support/threads.hpp): a failed REQUIRE on another
// thread fails its test case and the binary goes on. With a plain std::thread the first case
// aborts the whole executable (std::terminate), so neither it nor the last case report anything.
#include <atomic>
#include <catch2/catch.hpp>

#include "support/threads.hpp"

TEST_CASE("a failed REQUIRE in test::in_thread fails the test case", "[threads][!shouldfail]") {
  test::in_thread([] { REQUIRE(1 + 1 == 3); });
  FAIL("not reached: the failure is rethrown by in_thread");
}

TEST_CASE("a failed REQUIRE in one of test::Threads fails the test case at join",
          "[threads][!shouldfail]") {
  std::atomic<int> finished{0};
  test::Threads threads;
  threads.start([&] { ++finished; });
  threads.start([&] {
    ++finished;
    REQUIRE(finished.load() == -1);
  });
  threads.join();
  FAIL("not reached: join rethrows");
}

TEST_CASE("the binary is still running after failures on other threads", "[threads]") {
  int value = 0;
  test::in_thread([&] { value = 42; });
  CHECK(value == 42);  // join orders the write before this read
  std::atomic<int> sum{0};
  test::Threads threads;
  for (int i = 1; i <= 4; ++i) threads.start([&sum, i] { sum += i; });
  threads.join();
  CHECK(sum.load() == 10);
}
