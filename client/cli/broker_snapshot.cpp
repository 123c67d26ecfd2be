#include "broker_snapshot.hpp"

#include "notification_format.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <functional>
#include <limits>
#include <type_traits>
#include <variant>

namespace nb::cli {
namespace {

using Row = sdbus::Struct<std::string, std::string, std::string, std::uint32_t, std::uint32_t,
                          std::string, std::string, std::uint64_t, std::string>;

constexpr std::uint64_t never_pinged = std::numeric_limits<std::uint64_t>::max();

std::string age_text(const std::optional<std::uint64_t>& usec) {
    if (!usec) {
        return "-";
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(*usec) / 1e6);
    return buf;
}

std::string now_text() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    tm utc{};
    gmtime_r(&ts.tv_sec, &utc);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
    char full[96];
    std::snprintf(full, sizeof full, "%s.%03ldZ", buf, ts.tv_nsec / 1'000'000);
    return full;
}

std::string counts_text(const BrokerSnapshot& s) {
    return std::to_string(s.ready) + "/" + std::to_string(s.expected) + " ready, " +
           std::to_string(s.known) + " known";
}

} // namespace

void BrokerSnapshot::apply(const std::map<std::string, sdbus::Variant>& values) {
    using Field = std::variant<std::string BrokerSnapshot::*, std::uint32_t BrokerSnapshot::*,
                               std::uint64_t BrokerSnapshot::*>;
    static const std::map<std::string, Field, std::less<>> fields{
        {"State", &BrokerSnapshot::state},
        {"ReadyCount", &BrokerSnapshot::ready},
        {"ExpectedCount", &BrokerSnapshot::expected},
        {"KnownCount", &BrokerSnapshot::known},
        {"StatusText", &BrokerSnapshot::status},
        {"Generation", &BrokerSnapshot::generation}};
    for (const auto& [name, value] : values) {
        if (const auto field = fields.find(name); field != fields.end()) {
            std::visit(
                [&](auto member) {
                    using T = std::remove_reference_t<decltype(this->*member)>;
                    this->*member = value.get<T>();
                },
                field->second);
        } else if (name == "Counters") {
            counters = value.get<std::map<std::string, std::uint64_t>>();
        } else if (name == "Version") {
            version = value.get<std::string>();
        } else if (name == "Workers") {
            workers.clear();
            for (const auto& row : value.get<std::vector<Row>>()) {
                WorkerView w;
                w.name = std::get<0>(row);
                w.group = std::get<1>(row);
                w.source = std::get<2>(row);
                w.pid = std::get<3>(row);
                w.uid = std::get<4>(row);
                w.state = std::get<5>(row);
                w.status = std::get<6>(row);
                if (std::get<7>(row) != never_pinged) {
                    w.ping_age_usec = std::get<7>(row);
                }
                w.failure = std::get<8>(row);
                workers.push_back(std::move(w));
            }
        }
    }
}

proto::MetricsInput metrics_input(const BrokerSnapshot& snapshot, bool workers_read) {
    proto::MetricsInput input;
    input.state = snapshot.state;
    input.ready = snapshot.ready;
    input.expected = snapshot.expected;
    input.known = snapshot.known;
    input.counters = snapshot.counters;
    input.version = snapshot.version;
    if (workers_read) {
        input.workers.emplace();
        for (const auto& worker : snapshot.workers) {
            input.workers->push_back(
                {worker.name, worker.group, worker.state, worker.ping_age_usec});
        }
    }
    return input;
}

std::string format_status_text(const BrokerSnapshot& s) {
    return "State:   " + s.state + "\nWorkers: " + counts_text(s) + "\nStatus:  " + s.status + "\n";
}

std::string format_status_json(const BrokerSnapshot& s) {
    return "{\"state\":" + json_quote(s.state) + ",\"ready\":" + std::to_string(s.ready) +
           ",\"expected\":" + std::to_string(s.expected) + ",\"known\":" + std::to_string(s.known) +
           ",\"status\":" + json_quote(s.status) +
           ",\"generation\":" + std::to_string(s.generation) + "}";
}

std::string format_workers_text(const std::vector<WorkerView>& workers) {
    // FAILURE before STATUS: the status is free text of any length, so it ends the line.
    const std::array<std::string, 9> header = {"NAME",  "GROUP", "SOURCE",  "PID",   "UID",
                                               "STATE", "PING",  "FAILURE", "STATUS"};
    std::vector<std::array<std::string, 9>> rows = {header};
    for (const auto& w : workers) {
        rows.push_back({w.name, w.group, w.source, std::to_string(w.pid), std::to_string(w.uid),
                        w.state, age_text(w.ping_age_usec), w.failure.empty() ? "-" : w.failure,
                        w.status});
    }
    std::array<std::size_t, 9> width{};
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            width[i] = std::max(width[i], row[i].size());
        }
    }
    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) {
                line += std::string(width[i] - row[i].size() + 2, ' ');
            }
        }
        out += line + "\n";
    }
    return out;
}

std::string format_workers_json(const std::vector<WorkerView>& workers) {
    std::string out = "[";
    for (const auto& w : workers) {
        if (out.size() > 1) {
            out += ',';
        }
        out += "{\"name\":" + json_quote(w.name) + ",\"group\":" + json_quote(w.group) +
               ",\"source\":" + json_quote(w.source) + ",\"pid\":" + std::to_string(w.pid) +
               ",\"uid\":" + std::to_string(w.uid) + ",\"state\":" + json_quote(w.state) +
               ",\"status\":" + json_quote(w.status) + ",\"last_ping_age_usec\":" +
               (w.ping_age_usec ? std::to_string(*w.ping_age_usec) : std::string("null")) +
               ",\"failure\":" + json_quote(w.failure) + "}";
    }
    return out + "]";
}

std::string format_change(const BrokerSnapshot& s, const std::vector<std::string>& changed,
                          bool json) {
    if (!json) {
        return now_text() + " " + s.state + " " + counts_text(s) + ": " + s.status;
    }
    std::string names = "[";
    for (const auto& n : changed) {
        if (names.size() > 1) {
            names += ',';
        }
        names += json_quote(n);
    }
    names += "]";
    std::string status = format_status_json(s);
    status.pop_back(); // reopen the object
    return status + ",\"time\":" + json_quote(now_text()) + ",\"changed\":" + names +
           ",\"workers\":" + format_workers_json(s.workers) + "}";
}

} // namespace nb::cli
