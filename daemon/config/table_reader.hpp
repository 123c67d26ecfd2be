#pragma once
// Typed, position-aware access to one TOML table for the config loader.
// Every key the loader asks for becomes a known key; finish() then refuses any
// other key, so a typo ("min_reddy") is an error at its line and column instead
// of a silently ignored setting. Internal to nb_config: errors are thrown as
// ConfigError (already "file:line:col: ..."), caught at the loader's boundary.

#include <nb/proto/result.hpp>

#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace nb::config {

/// A config error with its location already in the message.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// "file:line:col" of a region ("<config>" when the text had no name).
[[nodiscard]] std::string where(const toml::source_region& region);
/// Throws ConfigError("where(region): what").
[[noreturn]] void fail_at(const toml::source_region& region, std::string_view what);
/// "a string", "an integer", ... for "expected X, got Y" messages.
[[nodiscard]] std::string_view describe(toml::node_type type) noexcept;

class TableReader {
public:
    /// `prefix` names the table in messages ("broker", "group").
    TableReader(const toml::table& table, std::string prefix);

    /// The node of `key` or nullptr; marks `key` as known either way.
    const toml::node* find(std::string_view key);

    // Each returns nullopt when the key is absent and throws ConfigError when the
    // value has the wrong type or an invalid value.
    std::optional<std::string> string(std::string_view key);
    std::optional<bool> boolean(std::string_view key);
    /// A non-negative integer in [min, max].
    std::optional<std::uint64_t> count(std::string_view key, std::uint64_t min, std::uint64_t max);
    /// A systemd time span string ("500ms"), or an integer number of seconds,
    /// of at most `max` (the error names it).
    std::optional<std::chrono::microseconds> duration(std::string_view key,
                                                      std::chrono::microseconds max);
    /// An array of strings (an empty array only if `allow_empty`).
    std::optional<std::vector<std::string>> strings(std::string_view key, bool allow_empty);
    /// "0660" or an octal integer 0o660 (a decimal 660 is refused: it is not 0660).
    std::optional<mode_t> mode(std::string_view key);
    /// A name or a numeric id.
    std::optional<uid_t> user(std::string_view key);
    std::optional<gid_t> group(std::string_view key);

    /// Throws ConfigError at the value of `key` with "prefix.key: what".
    [[noreturn]] void fail(std::string_view key, std::string_view what) const;
    /// Throws ConfigError for the first key never asked for.
    void finish() const;

    [[nodiscard]] const toml::table& table() const noexcept { return table_; }

private:
    /// A uid or gid: an integer, or a name `lookup` resolves; `what` names it in messages.
    template <class Id>
    std::optional<Id> account(std::string_view key, std::string_view what,
                              proto::Result<Id> (*lookup)(std::string_view));
    const toml::node& require_type(std::string_view key, toml::node_type type,
                                   std::string_view wanted);

    const toml::table& table_;
    std::string prefix_;
    std::vector<std::string> known_;
};

} // namespace nb::config
