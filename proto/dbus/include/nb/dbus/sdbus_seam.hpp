#pragma once
// The seam between the project and the sdbus-c++ it is built against: the only
// place that knows whether that is 1.x (Debian 12: 1.2) or 2.x (Debian 13: 2.1).
// CMake (cmake/NbSdbus.cmake) compiles exactly one of sdbus_seam_sdbus1.cpp and
// sdbus_seam_sdbus2.cpp from the version find_package(sdbus-c++) finds; no
// #if anywhere. Everything else of sdbus-c++ that the project uses reads the
// same in both (the generated adaptor and proxy, Variant, Struct, Message,
// callMethod(...).onInterface(...), the bus openers). What differs:
//  - 2.x names things with strong types (ServiceName, ObjectPath, Error::Name...):
//    the functions here take plain strings;
//  - 2.x hands match handlers the message by value, 1.x by reference;
//  - 2.x renamed processPendingRequest() and made PollData's timeout a duration;
//  - 1.x gives the message being processed only to method handlers, not to
//    property getters (2.x: IConnection::getCurrentlyProcessedMessage());
//  - 2.x registers an object's methods with addVTable() and a proxy's signal
//    handlers at once (1.x: registerMethod()..., then finishRegistration());
//  - the error an async reply handler gets: const Error* (1.x) or
//    std::optional<Error> (2.x), read from sdbus::async_reply_handler itself.
// Thread-safety: as sdbus-c++'s (a connection from one thread at a time).

#include <sdbus-c++/Error.h>
#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IObject.h>
#include <sdbus-c++/IProxy.h>
#include <sdbus-c++/Message.h>
#include <sdbus-c++/TypeTraits.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nb::dbus::sdbus_seam {

namespace detail {
template <class Handler>
struct ErrorArgument;
template <class Reply, class Error>
struct ErrorArgument<std::function<void(Reply, Error)>> {
    using type = Error;
};
} // namespace detail

/// What an async reply handler (callMethodAsync(...).uponReplyInvoke) gets as
/// its first argument: `const sdbus::Error*` (1.x) or
/// `std::optional<sdbus::Error>` (2.x). Both test as bool and have `->`.
/// Take it as `const ReplyError&`: a by-value optional<Error> there trips
/// GCC 14's -Wmaybe-uninitialized inside sdbus-c++'s own apply_impl.
using ReplyError = detail::ErrorArgument<sdbus::async_reply_handler>::type;

/// The sdbus-c++ major version built against (1 or 2), for messages.
[[nodiscard]] int major_version() noexcept;

/// sdbus::Error with this D-Bus error name and message.
[[nodiscard]] sdbus::Error make_error(const std::string& name, const std::string& message);

/// A proxy for `path` at `destination` on `connection`.
[[nodiscard]] std::unique_ptr<sdbus::IProxy> create_proxy(sdbus::IConnection& connection,
                                                          const std::string& destination,
                                                          const std::string& path);
/// An object at `path` on `connection`, nothing exported yet.
[[nodiscard]] std::unique_ptr<sdbus::IObject> create_object(sdbus::IConnection& connection,
                                                            const std::string& path);
/// Claims a well-known name (blocks). Throws sdbus::Error.
void request_name(sdbus::IConnection& connection, const std::string& name);
/// A signal of `object`'s to fill and emitSignal() (2.x: strong-typed names).
[[nodiscard]] sdbus::Signal create_signal(sdbus::IObject& object, const std::string& interface,
                                          const std::string& member);
/// Calls `handler` for every message matching `rule` while the slot lives
/// (1.x hands the message by reference, 2.x by value). Throws sdbus::Error.
[[nodiscard]] sdbus::Slot add_match(sdbus::IConnection& connection, const std::string& rule,
                                    std::function<void(sdbus::Message&)> handler);
/// After its signal handlers are set (uponSignal(...).call(...)): 1.x needs
/// finishRegistration() before they get anything, 2.x has them already.
void finish_proxy_registration(sdbus::IProxy& proxy);

/// A method a handler answers itself (reads the call, sends the reply or
/// keeps the call to answer later).
struct RawMethod {
    std::string name;
    std::string input_signature;
    std::string output_signature;
    sdbus::method_callback handler;
};
/// Exports `methods` under `interface` on `object`.
void add_methods(sdbus::IObject& object, const std::string& interface,
                 std::vector<RawMethod> methods);

/// What sd-bus says about a connection for an outside event loop.
struct PollState {
    int fd = -1;
    short events = 0; ///< POLLIN/POLLOUT
    /// Absolute CLOCK_MONOTONIC deadline in microseconds; UINT64_MAX: none.
    /// Zero while messages are queued (so a loop needs no other wake-up).
    std::uint64_t timeout_usec = UINT64_MAX;
};
/// Throws sdbus::Error.
[[nodiscard]] PollState poll_state(const sdbus::IConnection& connection);
/// Handles one pending request of the connection; false when there was none.
/// Throws sdbus::Error.
bool process_one(sdbus::IConnection& connection);

/// Who sent the message being processed and which member it calls.
struct CurrentCall {
    std::string sender; ///< unique name (":1.42"), empty if the message has none
    std::string member; ///< "Get", "GetAll" for property reads, else the method
};
/// Tells, inside any handler of an object's (method or property getter), which
/// call is being served.
class CallTracker {
public:
    /// Throws sdbus::Error.
    explicit CallTracker(sdbus::IObject& object);
    /// Empty outside a handler.
    [[nodiscard]] std::optional<CurrentCall> current() const;

private:
    /// 1.x: the connection's sd_bus; 2.x: the object's IConnection (both
    /// owned by the connection, which outlives the object).
    void* handle_ = nullptr;
};

} // namespace nb::dbus::sdbus_seam
