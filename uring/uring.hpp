// Everything a runtime uses, in one include. uring/audit.hpp (describe, lint) is tooling and
// stays a separate include.
#pragma once

#include "buf_ring.hpp"
#include "buffers.hpp"
#include "completion.hpp"
#include "control.hpp"
#include "files_update.hpp"
#include "msg_ring.hpp"
#include "prep.hpp"
#include "register.hpp"
#include "result.hpp"
#include "ring.hpp"
#include "submission.hpp"
