// Assertions on another thread. A failed REQUIRE throws Catch's failure exception; thrown on a
// std::thread it escapes the thread function and std::terminate aborts the whole test binary, so
// one failure loses every later test case's result. test::in_thread runs a body on a new thread,
// catches whatever it throws and rethrows it on the caller's thread once the body is done, where
// Catch's runner records it as the test case's failure and goes on with the next one.
//
// Catch2 2.x assertions are not thread-safe: the body may assert because the caller does nothing
// but wait for it (join orders the two). Threads that run side by side (test::Threads) must not
// assert at all while the others run: they return what they saw, and the test asserts afterwards;
// a stray assertion in them is still carried back instead of aborting.
#pragma once

#include <deque>
#include <exception>
#include <thread>
#include <utility>
#include <vector>

namespace test {

// Runs body() on a new thread and waits for it. A failed REQUIRE (or any exception) in the body
// fails the calling test case instead of aborting the binary.
template <class F>
void in_thread(F&& body) {
  std::exception_ptr failure;
  std::thread t([&] {
    try {
      body();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  t.join();
  if (failure) std::rethrow_exception(failure);
}

// Threads that run at the same time; join() waits for all of them and rethrows the first
// exception any of them threw. The destructor joins too (without rethrowing), so an assertion
// failing on the caller's thread while they run does not end in std::terminate.
class Threads {
 public:
  Threads() = default;
  Threads(const Threads&) = delete;
  Threads& operator=(const Threads&) = delete;
  ~Threads() { wait(); }

  template <class F>
  void start(F&& body) {
    failures_.emplace_back();
    std::exception_ptr* slot = &failures_.back();
    threads_.emplace_back([slot, body = std::forward<F>(body)]() mutable {
      try {
        body();
      } catch (...) {
        *slot = std::current_exception();
      }
    });
  }

  void join() {
    wait();
    for (const std::exception_ptr& f : failures_)
      if (f) std::rethrow_exception(f);
  }

 private:
  void wait() {
    for (std::thread& t : threads_)
      if (t.joinable()) t.join();
  }
  std::deque<std::exception_ptr> failures_;  // a deque: the slots never move
  std::vector<std::thread> threads_;
};

}  // namespace test
