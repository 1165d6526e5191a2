// Shared by `uringctl encode` and `uringctl decode`: an SQE's bytes, describe() and lint() as text
// or JSON on stdout.
#pragma once

#include <cstdint>

#include "uring/audit.hpp"

namespace uringctl {

// 64 bytes as 8 space-separated groups of 16 hex digits: pastable into `uringctl decode`.
void print_hex(const std::uint8_t (&bytes)[64]);
void print_describe_text(const uring::Description& d);
void print_lint_text(const uring::LintReport& r);
// JSON members (no surrounding braces): "bytes":..., "describe":{...}[, "lint":{...}]
void print_bytes_json(const std::uint8_t (&bytes)[64]);
void print_describe_json(const uring::Description& d);
void print_lint_json(const uring::LintReport& r);

}  // namespace uringctl
