// boka/boka.hpp: everything in the public C++ API.
#pragma once

#include "boka/auth.hpp"
#include "boka/availability.hpp"
#include "boka/engine.hpp"
#include "boka/ids.hpp"
#include "boka/pool.hpp"
#include "boka/principal.hpp"
#include "boka/reservation.hpp"
#include "boka/resource.hpp"
#include "boka/schedule.hpp"
#include "boka/status.hpp"
#include "boka/storage.hpp"
#include "boka/tenant.hpp"
#include "boka/time.hpp"
#include "boka/version.hpp"
