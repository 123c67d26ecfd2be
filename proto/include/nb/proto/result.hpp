#pragma once
// A value or an error message, for pure code that must say what was wrong and
// where without throwing (the parsers run on every datagram of a hot path).

#include <string>
#include <utility>
#include <variant>

namespace nb::proto {

/// What went wrong, in words a user can act on ("STATUS: not valid UTF-8").
struct Error {
    std::string message;
};

/// Either a T or an Error. Thread-safety: a value type, like std::variant.
template <class T>
class Result {
public:
    Result(T value) : storage_(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : storage_(std::in_place_index<1>, std::move(error)) {}

    [[nodiscard]] bool ok() const noexcept { return storage_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    /// Precondition: ok().
    [[nodiscard]] T& value() & { return std::get<0>(storage_); }
    [[nodiscard]] const T& value() const& { return std::get<0>(storage_); }
    [[nodiscard]] T&& value() && { return std::get<0>(std::move(storage_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    /// Precondition: !ok().
    [[nodiscard]] const Error& error() const { return std::get<1>(storage_); }

private:
    std::variant<T, Error> storage_;
};

/// For operations that only succeed or fail.
struct Ok {};
using Status = Result<Ok>;

} // namespace nb::proto
