// Entry point of the `unit` suite: these tests need no io_uring in the kernel.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

int main(int argc, char** argv) { return Catch::Session().run(argc, argv); }
