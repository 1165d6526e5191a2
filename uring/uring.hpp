// Everything rawuring offers, in one include.
#pragma once

#include "completion.hpp"
#include "files_update.hpp"
#include "msg_ring.hpp"
#include "prep.hpp"
#include "register.hpp"
#include "result.hpp"
#include "ring.hpp"
#include "submission.hpp"
