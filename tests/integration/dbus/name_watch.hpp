#pragma once
// Waits, as a bus client of its own (plain sd-bus, in this thread), until a
// well-known name has an owner or has none: the NameOwnerChanged match is
// added before GetNameOwner is asked, so a change in between is not missed.
// The bus daemon must be answering (not paused) when it is called.
// Thread-safety: one thread.

#include <chrono>
#include <string>

namespace nb::test {

/// True once `name` is owned (owned = true) or unowned (false) on the bus at
/// `address`; false if that did not happen within `timeout` or the bus failed.
bool await_name(const std::string& address, const std::string& name, bool owned,
                std::chrono::milliseconds timeout);

} // namespace nb::test
