#include "dbus/call_message.hpp"

#include <algorithm>
#include <string>

namespace nb::dbus {
namespace {

constexpr std::string_view worker_key = "X_WORKER";

} // namespace

proto::Result<proto::Message> message_for_call(std::string_view name,
                                               std::vector<proto::Assignment> assignments) {
    if (assignments.empty()) {
        return proto::Error{"no assignment to send"};
    }
    for (const auto& a : assignments) {
        // serialize() refuses these too; saying why here names the attack.
        if (a.value.find('\n') != std::string::npos) {
            return proto::Error{a.key + ": a newline in a value would start a new line"};
        }
    }
    if (!name.empty()) {
        const auto given = std::find_if(assignments.begin(), assignments.end(),
                                        [](const auto& a) { return a.key == worker_key; });
        if (given == assignments.end()) {
            assignments.push_back({std::string(worker_key), std::string(name)});
        } else if (given->value != name) {
            return proto::Error{"X_WORKER=" + given->value + " contradicts the name \"" +
                                std::string(name) + "\""};
        }
    }
    auto text = proto::serialize(assignments);
    if (!text) {
        return text.error();
    }
    return proto::Message::parse(*text);
}

} // namespace nb::dbus
