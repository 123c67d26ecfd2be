// D-Bus call arguments -> sd_notify assignments (dbus/call_message.hpp), as
// BrokerObject's methods build them: Ready/WatchdogPing/Stopping(name),
// SetStatus(name, text), Notify(name, a{ss}). Whatever the arguments (newlines,
// NULs, '=' in keys, invalid UTF-8, a huge status), the call is either refused
// with an error or becomes exactly the assignments given (plus X_WORKER=name):
// never an extra line or key, and the datagram text it travels as parses back
// to the same message. A refusal must be one a socket worker would get too.
//
// Input (FuzzedDataProvider): the last byte picks the method; then the name,
// then the method's strings (Notify: key, value, key, value, ...), each ended
// by a backslash and another byte ("\\\\" is one backslash).
#include "dbus/call_message.hpp"

#include <nb/proto/message.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

namespace {

using nb::proto::Assignment;
using nb::proto::Message;

[[noreturn]] void fail(const char* what, std::string_view detail) {
    std::fprintf(stderr, "invariant broken: %s: %.*s\n", what, static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
}

std::string describe(const std::string& name, const std::vector<Assignment>& assignments) {
    std::string out = "name=\"" + name + "\"";
    for (const Assignment& a : assignments) {
        out += " [" + a.key + "]=[" + a.value + "]";
    }
    return out;
}

/// What a socket worker sending these assignments would get: first key wins.
std::vector<Assignment> first_of_each_key(const std::vector<Assignment>& assignments) {
    std::vector<Assignment> out;
    for (const Assignment& a : assignments) {
        if (std::none_of(out.begin(), out.end(), [&](const auto& b) { return b.key == a.key; })) {
            out.push_back(a);
        }
    }
    return out;
}

void check_call(const std::string& name, const std::vector<Assignment>& given) {
    const auto result = nb::dbus::message_for_call(name, given);

    // What the call means: the assignments, and the caller's name as X_WORKER
    // unless it gave X_WORKER itself (then the two must agree).
    std::vector<Assignment> expected = given;
    const auto worker = std::find_if(given.begin(), given.end(),
                                     [](const Assignment& a) { return a.key == "X_WORKER"; });
    const bool contradicts = !name.empty() && worker != given.end() && worker->value != name;
    if (!name.empty() && worker == given.end()) {
        expected.push_back({"X_WORKER", name});
    }
    // The same assignments sent by a socket worker as a datagram.
    const auto text = nb::proto::serialize(expected);
    const auto as_datagram =
        text ? Message::parse(*text) : nb::proto::Result<Message>(text.error());
    const bool valid = !given.empty() && !contradicts && as_datagram;
    if (text && first_of_each_key(expected).size() == expected.size()) {
        // One value per key (every call BrokerObject makes): building the
        // message in code agrees with parsing its text.
        const auto built = Message::from_assignments(expected);
        if (built.ok() != as_datagram.ok() || (built && as_datagram && !(*built == *as_datagram))) {
            fail("from_assignments disagrees with the datagram", describe(name, expected));
        }
    }

    if (!result) {
        if (result.error().message.empty()) {
            fail("refused without a message", describe(name, given));
        }
        if (valid) {
            fail("refused a call a socket worker could send", describe(name, given));
        }
        return;
    }
    if (!valid) {
        fail("accepted a call a socket worker could not send", describe(name, given));
    }
    if (result->assignments() != first_of_each_key(expected)) {
        fail("the message is not the assignments given", describe(name, result->assignments()));
    }
    if (!(*result == *as_datagram)) {
        fail("the message differs from the same assignments sent as a datagram",
             describe(name, given));
    }
    for (const Assignment& a : result->assignments()) {
        if (const auto status = nb::proto::check_assignment(a); !status) {
            fail("accepted an assignment check_assignment refuses", status.error().message);
        }
    }
    // The text the call travels as: one line per assignment, parsed back equal.
    const auto again = nb::proto::serialize(result->assignments());
    if (!again || again->size() >= nb::proto::max_datagram_size) {
        fail("the accepted message cannot be sent", describe(name, given));
    }
    const auto lines =
        1 + static_cast<std::size_t>(std::count_if(again->begin(), again->end(), [](char c) {
            return c == '\n' || c == '\r' || c == '\0';
        }));
    if (lines != result->assignments().size()) {
        fail("the datagram text has another number of lines than assignments", *again);
    }
    const auto reparsed = Message::parse(*again);
    if (!reparsed || !(*reparsed == *result)) {
        fail("the datagram text does not parse back to the message", *again);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    const int method = in.ConsumeIntegralInRange(0, 5);
    const std::string name = in.ConsumeRandomLengthString();
    switch (method) {
    case 0:
        check_call(name, {{"READY", "1"}});
        break;
    case 1:
        check_call(name, {{"WATCHDOG", "1"}});
        break;
    case 2:
        check_call(name, {{"STOPPING", "1"}});
        break;
    case 3:
        check_call(name, {{"STATUS", in.ConsumeRandomLengthString()}});
        break;
    case 4: {
        // Notify(name, a{ss}): sdbus-c++ hands over a std::map (one value per
        // key, in key order), BrokerObject::Notify copies it into a list.
        std::map<std::string, std::string> arguments;
        while (in.remaining_bytes() > 0) {
            std::string key = in.ConsumeRandomLengthString();
            arguments.emplace(std::move(key), in.ConsumeRandomLengthString());
        }
        std::vector<Assignment> list;
        for (const auto& [key, value] : arguments) {
            list.push_back({key, value});
        }
        check_call(name, list);
        break;
    }
    default: {
        // message_for_call's own contract, for callers that pass a list with
        // repeated keys: the first of each key wins, as in a datagram.
        std::vector<Assignment> list;
        while (in.remaining_bytes() > 0) {
            std::string key = in.ConsumeRandomLengthString();
            list.push_back({std::move(key), in.ConsumeRandomLengthString()});
        }
        check_call(name, list);
        break;
    }
    }
    return 0;
}
