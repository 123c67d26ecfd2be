#include "core/state_codec.hpp"

#include "core/safe_text.hpp"

#include <algorithm>
#include <limits>
#include <optional>

namespace nb::core {
namespace {

constexpr std::size_t header_size = 8 + 2 + 2 + 4;
constexpr std::size_t checksum_size = 4;
constexpr std::uint8_t max_source = static_cast<std::uint8_t>(Source::spawned);
constexpr std::uint8_t max_state = static_cast<std::uint8_t>(WorkerState::gone);

/// FNV-1a, 32 bits: catches a truncated or scribbled snapshot, not an attacker
/// (whoever can write our fd store can also write a matching checksum).
std::uint32_t fnv1a(std::string_view bytes) noexcept {
    std::uint32_t hash = 2166136261U;
    for (const char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 16777619U;
    }
    return hash;
}

class Writer {
public:
    explicit Writer(std::string& out) : out_(out) {}

    template <class T>
    void integer(T value) {
        using U = std::make_unsigned_t<T>;
        auto bits = static_cast<U>(value);
        for (std::size_t i = 0; i < sizeof(T); ++i) {
            out_.push_back(static_cast<char>(bits & 0xFFU));
            bits = static_cast<U>(bits >> 8U);
        }
    }
    void text(std::string_view value) {
        const std::string_view cut = truncate_utf8(value, max_snapshot_string);
        integer(static_cast<std::uint16_t>(cut.size()));
        out_.append(cut);
    }

private:
    std::string& out_;
};

class Reader {
public:
    explicit Reader(std::string_view in) : in_(in) {}

    template <class T>
    std::optional<T> integer() noexcept {
        if (in_.size() < sizeof(T)) {
            return std::nullopt;
        }
        std::make_unsigned_t<T> bits = 0;
        for (std::size_t i = sizeof(T); i-- > 0;) {
            bits = static_cast<std::make_unsigned_t<T>>((bits << 8U) |
                                                        static_cast<unsigned char>(in_[i]));
        }
        in_.remove_prefix(sizeof(T));
        return static_cast<T>(bits);
    }
    std::optional<std::string> text() {
        const auto length = integer<std::uint16_t>();
        if (!length || *length > max_snapshot_string || *length > in_.size()) {
            return std::nullopt;
        }
        std::string value(in_.substr(0, *length));
        in_.remove_prefix(*length);
        return value;
    }
    [[nodiscard]] std::size_t left() const noexcept { return in_.size(); }

private:
    std::string_view in_;
};

/// The smallest encoded worker: lets the decoder refuse a count the input
/// cannot hold before reserving anything.
constexpr std::size_t min_worker_bytes = 2 + 2 + 1 + 1 + 1 + 4 + 4 + 2 + 1 + 8 + 8;

constexpr std::uint8_t flag_named = 1;
constexpr std::uint8_t flag_follows_unit = 2;

/// Version 2's tail of a worker; false when malformed.
bool read_worker_tail(Reader& in, WorkerRecord& record) {
    const auto flags = in.integer<std::uint8_t>();
    auto unit = in.text();
    auto cgroup = in.text();
    auto bus_name = in.text();
    const auto has_watchdog = in.integer<std::uint8_t>();
    if (!flags || (*flags & ~(flag_named | flag_follows_unit)) != 0 || !unit || !cgroup ||
        !bus_name || !has_watchdog || *has_watchdog > 1) {
        return false;
    }
    if (*has_watchdog == 1) {
        const auto watchdog = in.integer<std::int64_t>();
        if (!watchdog || *watchdog <= 0) {
            return false;
        }
        record.watchdog_us = *watchdog;
    }
    auto failure = in.text();
    if (!failure) {
        return false;
    }
    record.named = (*flags & flag_named) != 0;
    record.follows_unit = (*flags & flag_follows_unit) != 0;
    record.unit = std::move(*unit);
    record.cgroup = std::move(*cgroup);
    record.bus_name = std::move(*bus_name);
    record.failure = std::move(*failure);
    return true;
}

std::optional<WorkerRecord> read_worker(Reader& in, std::uint16_t version) {
    WorkerRecord record;
    auto name = in.text();
    auto group = in.text();
    const auto source = in.integer<std::uint8_t>();
    const auto state = in.integer<std::uint8_t>();
    const auto late = in.integer<std::uint8_t>();
    const auto pid = in.integer<std::int32_t>();
    const auto uid = in.integer<std::uint32_t>();
    auto status = in.text();
    const auto has_ping = in.integer<std::uint8_t>();
    if (!name || !group || !source || !state || !late || !pid || !uid || !status || !has_ping ||
        *source > max_source || *state > max_state || *late > 1 || *has_ping > 1) {
        return std::nullopt;
    }
    if (*has_ping == 1) {
        const auto ping = in.integer<std::int64_t>();
        if (!ping) {
            return std::nullopt;
        }
        record.last_ping_us = *ping;
    }
    const auto identity = in.integer<std::uint64_t>();
    const auto start_time = in.integer<std::uint64_t>();
    if (!identity || !start_time) {
        return std::nullopt;
    }
    record.name = std::move(*name);
    record.group = std::move(*group);
    record.source = static_cast<Source>(*source);
    record.state = static_cast<WorkerState>(*state);
    record.late_watchdog = *late == 1;
    record.pid = *pid;
    record.uid = *uid;
    record.status = std::move(*status);
    record.process_identity = *identity;
    record.start_time = *start_time;
    if (version >= 2 && !read_worker_tail(in, record)) {
        return std::nullopt;
    }
    return record;
}

} // namespace

std::string encode_snapshot(const StateSnapshot& snapshot) {
    std::string body;
    Writer out(body);
    out.integer(snapshot.sequence);
    out.integer(snapshot.taken_at_us);
    const std::size_t count = std::min(snapshot.workers.size(), max_snapshot_workers);
    out.integer(static_cast<std::uint32_t>(count));
    for (std::size_t i = 0; i < count; ++i) {
        const WorkerRecord& worker = snapshot.workers[i];
        out.text(worker.name);
        out.text(worker.group);
        out.integer(static_cast<std::uint8_t>(worker.source));
        out.integer(static_cast<std::uint8_t>(worker.state));
        out.integer(static_cast<std::uint8_t>(worker.late_watchdog ? 1 : 0));
        out.integer(static_cast<std::int32_t>(worker.pid));
        out.integer(static_cast<std::uint32_t>(worker.uid));
        out.text(worker.status);
        out.integer(static_cast<std::uint8_t>(worker.last_ping_us ? 1 : 0));
        if (worker.last_ping_us) {
            out.integer(*worker.last_ping_us);
        }
        out.integer(worker.process_identity);
        out.integer(worker.start_time);
        out.integer(static_cast<std::uint8_t>((worker.named ? flag_named : 0) |
                                              (worker.follows_unit ? flag_follows_unit : 0)));
        out.text(worker.unit);
        out.text(worker.cgroup);
        out.text(worker.bus_name);
        const bool has_watchdog = worker.watchdog_us && *worker.watchdog_us > 0;
        out.integer(static_cast<std::uint8_t>(has_watchdog ? 1 : 0));
        if (has_watchdog) {
            out.integer(*worker.watchdog_us);
        }
        out.text(worker.failure);
    }

    std::string bytes(snapshot_magic);
    Writer header(bytes);
    header.integer(snapshot_version);
    header.integer(std::uint16_t{0});
    header.integer(static_cast<std::uint32_t>(body.size()));
    bytes += body;
    header.integer(fnv1a(bytes));
    return bytes;
}

proto::Result<StateSnapshot> decode_snapshot(std::string_view bytes) {
    using proto::Error;
    if (bytes.size() > max_snapshot_bytes) {
        return Error{"state snapshot: larger than " + std::to_string(max_snapshot_bytes) +
                     " bytes"};
    }
    if (bytes.size() < header_size + checksum_size ||
        bytes.substr(0, snapshot_magic.size()) != snapshot_magic) {
        return Error{"state snapshot: not a notify-brokerd state (bad magic)"};
    }
    Reader header(bytes.substr(snapshot_magic.size(), header_size - snapshot_magic.size()));
    const auto version = header.integer<std::uint16_t>();
    const auto flags = header.integer<std::uint16_t>();
    const auto body_size = header.integer<std::uint32_t>();
    if (*version < oldest_snapshot_version || *version > snapshot_version) {
        return Error{"state snapshot: version " + std::to_string(*version) + ", expected " +
                     std::to_string(oldest_snapshot_version) + " to " +
                     std::to_string(snapshot_version)};
    }
    if (*flags != 0) {
        return Error{"state snapshot: unknown flags " + std::to_string(*flags)};
    }
    if (*body_size != bytes.size() - header_size - checksum_size) {
        return Error{"state snapshot: body of " + std::to_string(*body_size) + " bytes in " +
                     std::to_string(bytes.size()) + " (truncated or padded)"};
    }
    const std::string_view covered = bytes.substr(0, bytes.size() - checksum_size);
    Reader trailer(bytes.substr(covered.size()));
    if (*trailer.integer<std::uint32_t>() != fnv1a(covered)) {
        return Error{"state snapshot: bad checksum"};
    }

    Reader in(covered.substr(header_size));
    StateSnapshot snapshot;
    const auto sequence = in.integer<std::uint64_t>();
    const auto taken_at = in.integer<std::int64_t>();
    const auto count = in.integer<std::uint32_t>();
    if (!sequence || !taken_at || !count) {
        return Error{"state snapshot: truncated header"};
    }
    if (*count > max_snapshot_workers || *count > in.left() / min_worker_bytes) {
        return Error{"state snapshot: " + std::to_string(*count) + " workers cannot fit"};
    }
    snapshot.sequence = *sequence;
    snapshot.taken_at_us = *taken_at;
    snapshot.workers.reserve(*count);
    for (std::uint32_t i = 0; i < *count; ++i) {
        auto worker = read_worker(in, *version);
        if (!worker) {
            return Error{"state snapshot: worker " + std::to_string(i) + " is malformed"};
        }
        snapshot.workers.push_back(std::move(*worker));
    }
    if (in.left() != 0) {
        return Error{"state snapshot: " + std::to_string(in.left()) + " trailing bytes"};
    }
    return snapshot;
}

} // namespace nb::core
