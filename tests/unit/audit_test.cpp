// describe()/lint()/format() at run time: exact text, truncation into a small buffer, flag names,
// unknown opcodes, and the field conversions of a real io_uring_sqe.
#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "uring/audit.hpp"
#include "uring/prep.hpp"

TEST_CASE("format(Description) names every field of a SEND_FD ALLOC message", "[audit]") {
  io_uring_sqe s;
  std::memset(&s, 0xa5, sizeof s);
  uring::prep_msg_ring_fd_alloc(s, 5, 1, 0x57, IORING_MSG_RING_CQE_SKIP);
  s.user_data = 9;
  char buf[4096];
  const std::size_t n = uring::format(uring::describe(s), buf, sizeof buf);
  CHECK(n == std::strlen(buf));
  CHECK(
      std::string(buf) ==
      "opcode      40 MSG_RING SEND_FD (target slot allocated)\n"
      "flags       0x00\n"
      "op_flags    0x00000001 IORING_MSG_RING_CQE_SKIP\n"
      "field           at     value                use        meaning\n"
      "ioprio           2+2   0x0                  must be 0  \n"
      "fd               4+4   5                    used       target ring's file descriptor\n"
      "off              8+8   0x57                 used       user_data of the target's CQE\n"
      "addr            16+8   0x1                  used       command: IORING_MSG_DATA (0) or "
      "IORING_MSG_SEND_FD (1); low 32 bits\n"
      "len             24+4   0x0                  must be 0  \n"
      "msg_ring_flags  28+4   0x1                  used       msg_ring_flags (IORING_MSG_RING_*)\n"
      "user_data       32+8   0x9                  used       user_data: copied into this "
      "request's CQE\n"
      "buf_index       40+2   0x0                  must be 0  \n"
      "personality     42+2   0x0                  must be 0  \n"
      "file_index      44+4   0xffffffff           used       IORING_FILE_INDEX_ALLOC: the target "
      "picks a free slot (its CQE res)\n"
      "addr3           48+8   0x1                  used       source slot in this ring's "
      "registered files (low 32 bits)\n"
      "unused      pad2\n");
  CHECK(uring::lint(s).count == 0);
}

TEST_CASE("format truncates like snprintf and always terminates", "[audit]") {
  uring::SqeFields f{.opcode = IORING_OP_CLOSE, .fd = 3, .len = 1, .personality = 2};
  const uring::LintReport r = uring::lint(f);
  char full[2048];
  const std::size_t need = uring::format(r, full, sizeof full);
  REQUIRE(need == std::strlen(full));
  char small[16];
  std::memset(small, 'x', sizeof small);
  CHECK(uring::format(r, small, sizeof small) == need);
  CHECK(std::strlen(small) == sizeof small - 1);
  CHECK(std::string(small) == std::string(full, sizeof small - 1));
  CHECK(uring::format(r, nullptr, 0) == need);
  // Kernel order: io_init_req's personality lookup answers before io_close_prep sees len.
  REQUIRE(r.count == 2);
  CHECK(r.items[0].field == uring::FieldId::personality);
  CHECK(r.items[0].severity == uring::Severity::conditional);
  CHECK(r.items[1].field == uring::FieldId::len);
  CHECK(r.expected_error() == EINVAL);
}

TEST_CASE("describe names every IOSQE flag and keeps unknown bits apart", "[audit]") {
  const uring::Description d =
      uring::describe(uring::SqeFields{.opcode = IORING_OP_NOP, .flags = 0xff});
  REQUIRE(d.flag_count == 7);
  CHECK(std::string(d.flag_names[0]) == "IOSQE_FIXED_FILE");
  CHECK(std::string(d.flag_names[6]) == "IOSQE_CQE_SKIP_SUCCESS");
  CHECK(d.unknown_flags == 0x80);
  const uring::Description rw =
      uring::describe(uring::SqeFields{.opcode = IORING_OP_WRITE, .op_flags = 0x80000012});
  REQUIRE(rw.op_flag_count == 2);
  CHECK(std::string(rw.op_flag_names[0]) == "RWF_DSYNC");
  CHECK(std::string(rw.op_flag_names[1]) == "RWF_APPEND");
  CHECK(rw.unknown_op_flags == 0x80000000);
}

TEST_CASE("an opcode rawuring does not describe keeps its raw fields", "[audit]") {
  const uring::SqeFields f{.opcode = 200, .fd = -7, .addr3 = 0x1234};
  const uring::Description d = uring::describe(f);
  CHECK_FALSE(d.known);
  CHECK(d.op_name == nullptr);
  for (const uring::FieldInfo& fi : d.fields) CHECK(fi.use == uring::Use::unknown);
  CHECK(d.fields[static_cast<int>(uring::FieldId::addr3)].value == 0x1234);
  char buf[4096];
  uring::format(d, buf, sizeof buf);
  CHECK(std::string(buf).find("unknown opcode 200: not an opcode rawuring knows") !=
        std::string::npos);
  CHECK(std::string(buf).find("fd               4+4   -7  ") != std::string::npos);
  const uring::LintReport r = uring::lint(f);
  CHECK(r.clean());
  REQUIRE(r.count == 1);
  CHECK(r.items[0].where == uring::Where::opcode);
}

TEST_CASE("fields_of and to_sqe are the ABI offsets", "[audit]") {
  io_uring_sqe s{};
  s.opcode = 1;
  s.flags = 2;
  s.ioprio = 3;
  s.fd = -4;
  s.off = 5;
  s.addr = 6;
  s.len = 7;
  s.rw_flags = 8;
  s.user_data = 9;
  s.buf_index = 10;
  s.personality = 11;
  s.file_index = 12;
  s.addr3 = 13;
  s.__pad2[0] = 14;
  const uring::SqeFields want{1, 2, 3, -4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
  CHECK(uring::fields_of(s) == want);
  io_uring_sqe back;
  std::memset(&back, 0x5a, sizeof back);
  uring::to_sqe(want, back);
  CHECK(std::memcmp(&back, &s, sizeof s) == 0);
}
