#include "config/table_reader.hpp"

#include "config/duration.hpp"
#include "config/value_parsers.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace nb::config {

std::string where(const toml::source_region& region) {
    std::string out = region.path ? *region.path : std::string("<config>");
    out += ':';
    out += std::to_string(region.begin.line);
    out += ':';
    out += std::to_string(region.begin.column);
    return out;
}

void fail_at(const toml::source_region& region, std::string_view what) {
    throw ConfigError(where(region) + ": " + std::string(what));
}

// Indexed by toml::node_type, for "expected ..., got a table" messages.
constexpr std::array<std::string_view, 10> node_type_names{
    "nothing", "a table",   "an array", "a string", "an integer",
    "a float", "a boolean", "a date",   "a time",   "a date-time"};
static_assert(static_cast<std::size_t>(toml::node_type::date_time) + 1 == node_type_names.size());

std::string_view describe(toml::node_type type) noexcept {
    const auto index = static_cast<std::size_t>(type);
    return index < node_type_names.size() ? node_type_names[index] : "nothing";
}

TableReader::TableReader(const toml::table& table, std::string prefix)
    : table_(table)
    , prefix_(std::move(prefix)) {}

const toml::node* TableReader::find(std::string_view key) {
    if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
        known_.emplace_back(key);
    }
    return table_.get(key);
}

void TableReader::fail(std::string_view key, std::string_view what) const {
    const toml::node* node = table_.get(key);
    const toml::source_region& region = node != nullptr ? node->source() : table_.source();
    const std::string label = prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
    fail_at(region, label + ": " + std::string(what));
}

const toml::node& TableReader::require_type(std::string_view key, toml::node_type type,
                                            std::string_view wanted) {
    const toml::node& node = *table_.get(key);
    if (node.type() != type) {
        fail(key,
             "expected " + std::string(wanted) + ", got " + std::string(describe(node.type())));
    }
    return node;
}

std::optional<std::string> TableReader::string(std::string_view key) {
    if (find(key) == nullptr) {
        return std::nullopt;
    }
    return *require_type(key, toml::node_type::string, "a string").value<std::string>();
}

std::optional<bool> TableReader::boolean(std::string_view key) {
    if (find(key) == nullptr) {
        return std::nullopt;
    }
    return *require_type(key, toml::node_type::boolean, "true or false").value<bool>();
}

std::optional<std::uint64_t> TableReader::count(std::string_view key, std::uint64_t min,
                                                std::uint64_t max) {
    if (find(key) == nullptr) {
        return std::nullopt;
    }
    const std::int64_t value =
        *require_type(key, toml::node_type::integer, "an integer").value<std::int64_t>();
    if (value < 0) {
        fail(key, std::to_string(value) + " is negative");
    }
    const auto unsigned_value = static_cast<std::uint64_t>(value);
    if (unsigned_value < min || unsigned_value > max) {
        fail(key, std::to_string(value) + " is out of range (" + std::to_string(min) + ".." +
                      std::to_string(max) + ")");
    }
    return unsigned_value;
}

std::optional<std::chrono::microseconds> TableReader::duration(std::string_view key,
                                                               std::chrono::microseconds max) {
    const toml::node* node = find(key);
    if (node == nullptr) {
        return std::nullopt;
    }
    if (node->is_integer()) {
        // A bare number is seconds, as in a unit file's TimeoutStartSec=.
        const std::int64_t seconds = *node->value<std::int64_t>();
        if (seconds < 0) {
            fail(key, std::to_string(seconds) + " is negative");
        }
        if (seconds > std::chrono::duration_cast<std::chrono::seconds>(max).count()) {
            fail(key, std::to_string(seconds) + " is too long: " + maximum_text(max));
        }
        return std::chrono::seconds{seconds};
    }
    if (!node->is_string()) {
        fail(key, "expected a time span like \"500ms\" or \"1min 30s\", got " +
                      std::string(describe(node->type())));
    }
    auto parsed = parse_duration(*node->value<std::string>(), max);
    if (!parsed) {
        fail(key, parsed.error().message);
    }
    return *parsed;
}

std::optional<std::vector<std::string>> TableReader::strings(std::string_view key,
                                                             bool allow_empty) {
    if (find(key) == nullptr) {
        return std::nullopt;
    }
    const toml::array& array =
        *require_type(key, toml::node_type::array, "an array of strings").as_array();
    if (array.empty() && !allow_empty) {
        fail(key, "must not be empty");
    }
    std::vector<std::string> out;
    for (const toml::node& element : array) {
        if (!element.is_string()) {
            fail_at(element.source(), prefix_ + "." + std::string(key) +
                                          ": expected strings, got " +
                                          std::string(describe(element.type())));
        }
        out.push_back(*element.value<std::string>());
    }
    return out;
}

std::optional<mode_t> TableReader::mode(std::string_view key) {
    const toml::node* node = find(key);
    if (node == nullptr) {
        return std::nullopt;
    }
    if (const auto* integer = node->as_integer()) {
        if ((integer->flags() & toml::value_flags::format_as_octal) == toml::value_flags::none) {
            fail(key, "write a mode as a string (\"0660\") or an octal integer (0o660); " +
                          std::to_string(integer->get()) + " is decimal");
        }
        if (integer->get() < 0 || integer->get() > 07777) {
            fail(key, "a mode must be between 0 and 0o7777");
        }
        return static_cast<mode_t>(integer->get());
    }
    if (!node->is_string()) {
        fail(key, "expected a mode like \"0660\", got " + std::string(describe(node->type())));
    }
    auto parsed = parse_mode(*node->value<std::string>());
    if (!parsed) {
        fail(key, parsed.error().message);
    }
    return *parsed;
}

template <class Id>
std::optional<Id> TableReader::account(std::string_view key, std::string_view what,
                                       proto::Result<Id> (*lookup)(std::string_view)) {
    const toml::node* node = find(key);
    if (node == nullptr) {
        return std::nullopt;
    }
    if (node->is_integer()) {
        auto id = count(key, 0, std::numeric_limits<Id>::max() - 1);
        return static_cast<Id>(*id);
    }
    if (!node->is_string()) {
        fail(key,
             "expected a " + std::string(what) + ", got " + std::string(describe(node->type())));
    }
    auto id = lookup(*node->value<std::string>());
    if (!id) {
        fail(key, id.error().message);
    }
    return *id;
}

std::optional<uid_t> TableReader::user(std::string_view key) {
    return account<uid_t>(key, "user name or uid", lookup_user);
}

std::optional<gid_t> TableReader::group(std::string_view key) {
    return account<gid_t>(key, "group name or gid", lookup_group);
}

void TableReader::finish() const {
    for (const auto& [key, node] : table_) {
        if (std::find(known_.begin(), known_.end(), key.str()) != known_.end()) {
            continue;
        }
        std::string known_list;
        for (const std::string& name : known_) {
            known_list += (known_list.empty() ? "" : ", ") + name;
        }
        const std::string place = prefix_.empty() ? "at the top level" : "in [" + prefix_ + "]";
        fail_at(key.source(), "unknown key '" + std::string(key.str()) + "' " + place +
                                  " (known: " + known_list + ")");
    }
}

} // namespace nb::config
