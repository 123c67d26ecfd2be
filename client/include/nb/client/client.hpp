#pragma once
// The whole client API in one include.

#include <nb/client/environment.hpp>
#include <nb/client/notifier.hpp>
#include <nb/client/send_result.hpp>
