// The byte form of a restart snapshot: what the encoder writes comes back
// whole, and whatever else the decoder is given (truncated, scribbled, foreign,
// oversized) is refused with a reason, never trusted.
#include "core/state_codec.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace nb::core::testing {
namespace {

StateSnapshot sample() {
    StateSnapshot snapshot;
    snapshot.sequence = 42;
    snapshot.taken_at_us = 123'456'789;
    WorkerRecord ready;
    ready.name = "web-1";
    ready.group = "web";
    ready.pid = 4242;
    ready.uid = 61234;
    ready.state = WorkerState::ready;
    ready.status = "serving, caf\xc3\xa9";
    ready.last_ping_us = 123'000'000;
    ready.process_identity = 0x1234'5678'9abc'def0ULL;
    ready.start_time = 987654;
    WorkerRecord late = ready;
    late.name = "web-2";
    late.pid = 4243;
    late.state = WorkerState::late;
    late.late_watchdog = true;
    late.last_ping_us.reset();
    late.status.clear();
    late.named = true;
    late.watchdog_us = 5'000'000;
    late.failure = "errno 13";
    WorkerRecord spawned = ready;
    spawned.name = "pid:77";
    spawned.group = "";
    spawned.source = Source::spawned;
    spawned.pid = 77;
    spawned.state = WorkerState::starting;
    WorkerRecord script;
    script.name = "job.service";
    script.group = "web";
    script.pid = 4300;
    script.state = WorkerState::ready;
    script.follows_unit = true;
    script.unit = "job.service";
    script.cgroup = "/system.slice/job.service";
    WorkerRecord bus;
    bus.name = "web-bus";
    bus.source = Source::dbus;
    bus.pid = 4301;
    bus.bus_name = ":1.42";
    bus.named = true;
    snapshot.workers = {ready, late, spawned, script, bus};
    return snapshot;
}

std::uint32_t fnv1a(std::string_view bytes) {
    std::uint32_t hash = 2166136261U;
    for (const char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 16777619U;
    }
    return hash;
}

/// Re-seals hand-edited bytes with a valid checksum, so that the decoder's
/// other checks are what is tested.
std::string reseal(std::string bytes) {
    bytes.resize(bytes.size() - 4);
    std::uint32_t sum = fnv1a(bytes);
    for (int i = 0; i < 4; ++i) {
        bytes.push_back(static_cast<char>(sum & 0xFFU));
        sum >>= 8U;
    }
    return bytes;
}

constexpr std::size_t header_size = 16;

TEST(AStateSnapshot, SurvivesEncodingAndDecodingUnchanged) {
    const StateSnapshot original = sample();
    const auto decoded = decode_snapshot(encode_snapshot(original));
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(decoded.value(), original);
}

TEST(AnEmptyStateSnapshot, SurvivesEncodingAndDecodingUnchanged) {
    const StateSnapshot empty;
    const auto decoded = decode_snapshot(encode_snapshot(empty));
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(decoded.value(), empty);
}

TEST(AnEncodedSnapshot, IsCompact) {
    // Four workers fit in a few hundred bytes: one page of memfd.
    StateSnapshot snapshot = sample();
    snapshot.workers.resize(3); // the first three, as before version 2 added two
    snapshot.workers.push_back(snapshot.workers.front());
    EXPECT_LT(encode_snapshot(snapshot).size(), 400U);
}

TEST(AnOverlongString, IsCutOnACodePointBoundaryWhenEncoded) {
    StateSnapshot snapshot;
    WorkerRecord worker;
    worker.name = "w";
    worker.status = std::string(max_snapshot_string - 1, 'x') + "\xc3\xa9" + "tail";
    snapshot.workers.push_back(worker);
    const auto decoded = decode_snapshot(encode_snapshot(snapshot));
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(decoded->workers[0].status, std::string(max_snapshot_string - 1, 'x'));
}

TEST(ATruncatedSnapshot, IsRefusedAtEveryLength) {
    const std::string bytes = encode_snapshot(sample());
    for (std::size_t length = 0; length < bytes.size(); ++length) {
        EXPECT_FALSE(decode_snapshot(bytes.substr(0, length)).ok()) << "length " << length;
    }
}

TEST(ASnapshotWithAnyBitFlipped, IsRefused) {
    const std::string bytes = encode_snapshot(sample());
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        for (int bit = 0; bit < 8; ++bit) {
            std::string scribbled = bytes;
            scribbled[i] = static_cast<char>(scribbled[i] ^ (1 << bit));
            EXPECT_FALSE(decode_snapshot(scribbled).ok()) << "byte " << i << " bit " << bit;
        }
    }
}

TEST(ASnapshotWithTrailingBytes, IsRefused) {
    std::string bytes = encode_snapshot(sample());
    bytes.insert(bytes.size() - 4, "x");
    // The header's body length no longer matches.
    EXPECT_FALSE(decode_snapshot(reseal(bytes)).ok());
}

struct Corruption {
    const char* what;
    std::size_t offset; ///< from the start of the bytes
    std::string replacement;
    const char* reason; ///< a word the error must contain
};

class ACorruptSnapshot : public ::testing::TestWithParam<Corruption> {};

TEST_P(ACorruptSnapshot, IsRefusedWithAReason) {
    const Corruption& corruption = GetParam();
    std::string bytes = encode_snapshot(sample());
    bytes.replace(corruption.offset, corruption.replacement.size(), corruption.replacement);
    const auto decoded = decode_snapshot(reseal(bytes));
    ASSERT_FALSE(decoded.ok()) << corruption.what;
    EXPECT_NE(decoded.error().message.find(corruption.reason), std::string::npos)
        << corruption.what << ": " << decoded.error().message;
}

// Offsets: magic 0..7, version 8..9, flags 10..11, body length 12..15,
// sequence 16..23, taken_at 24..31, count 32..35, first worker's name length 36..37.
INSTANTIATE_TEST_SUITE_P(
    Table, ACorruptSnapshot,
    ::testing::Values(
        Corruption{"foreign magic", 0, "NOTSTATE", "magic"},
        Corruption{"next version", 8, std::string("\x03\x00", 2), "version"},
        Corruption{"version 0", 8, std::string("\x00\x00", 2), "version"},
        Corruption{"unknown flags", 10, std::string("\x01\x00", 2), "flags"},
        Corruption{"body length too long", 12, std::string("\xff\xff\x00\x00", 4), "truncated"},
        Corruption{"a million workers", 32, std::string("\x40\x42\x0f\x00", 4), "cannot fit"},
        Corruption{"more workers than written", 32, std::string("\x06\x00\x00\x00", 4),
                   "malformed"},
        Corruption{"name longer than the input", 36, std::string("\xff\x0f", 2), "malformed"},
        // name "web-1" (38..42), group "web" (43..47 incl. length), then the enums.
        Corruption{"source out of range", 48, std::string("\x07", 1), "malformed"},
        Corruption{"state out of range", 49, std::string("\x09", 1), "malformed"},
        Corruption{"late flag not 0 or 1", 50, std::string("\x02", 1), "malformed"}),
    [](const ::testing::TestParamInfo<Corruption>& param_info) {
        std::string name;
        for (const char c : std::string(param_info.param.what)) {
            name += (c == ' ') ? '_' : c;
        }
        return name;
    });

TEST(ASnapshotLargerThanTheBound, IsRefusedBeforeAnythingIsRead) {
    const std::string huge(max_snapshot_bytes + 1, '\0');
    const auto decoded = decode_snapshot(huge);
    ASSERT_FALSE(decoded.ok());
    EXPECT_NE(decoded.error().message.find("larger"), std::string::npos);
}

TEST(AnEncodedSnapshot, StartsWithTheMagicAndVersion) {
    const std::string bytes = encode_snapshot(sample());
    ASSERT_GT(bytes.size(), header_size);
    EXPECT_EQ(bytes.substr(0, 8), snapshot_magic);
    EXPECT_EQ(bytes[8], '\x02');
    EXPECT_EQ(bytes[9], '\x00');
}

/// A snapshot as a version 1 broker (before issue 14) wrote it.
std::string encode_version_1(const StateSnapshot& snapshot) {
    std::string body;
    const auto integer = [](std::string& out, std::uint64_t value, std::size_t size) {
        for (std::size_t i = 0; i < size; ++i) {
            out.push_back(static_cast<char>((value >> (8 * i)) & 0xFFU));
        }
    };
    const auto text = [&](std::string& out, const std::string& value) {
        integer(out, value.size(), 2);
        out += value;
    };
    integer(body, snapshot.sequence, 8);
    integer(body, static_cast<std::uint64_t>(snapshot.taken_at_us), 8);
    integer(body, snapshot.workers.size(), 4);
    for (const WorkerRecord& worker : snapshot.workers) {
        text(body, worker.name);
        text(body, worker.group);
        integer(body, static_cast<std::uint64_t>(worker.source), 1);
        integer(body, static_cast<std::uint64_t>(worker.state), 1);
        integer(body, worker.late_watchdog ? 1 : 0, 1);
        integer(body, static_cast<std::uint32_t>(worker.pid), 4);
        integer(body, worker.uid, 4);
        text(body, worker.status);
        integer(body, worker.last_ping_us ? 1 : 0, 1);
        if (worker.last_ping_us) {
            integer(body, static_cast<std::uint64_t>(*worker.last_ping_us), 8);
        }
        integer(body, worker.process_identity, 8);
        integer(body, worker.start_time, 8);
    }
    std::string bytes(snapshot_magic);
    integer(bytes, 1, 2);
    integer(bytes, 0, 2);
    integer(bytes, body.size(), 4);
    bytes += body;
    integer(bytes, fnv1a(bytes), 4);
    return bytes;
}

TEST(AVersion1Snapshot, IsStillReadWithTheNewFieldsAtTheirDefaults) {
    StateSnapshot old = sample();
    for (WorkerRecord& worker : old.workers) {
        worker.named = false;
        worker.follows_unit = false;
        worker.unit.clear();
        worker.cgroup.clear();
        worker.bus_name.clear();
        worker.watchdog_us.reset();
        worker.failure.clear();
    }
    const auto decoded = decode_snapshot(encode_version_1(old));
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(decoded.value(), old);
}

TEST(AVersion1Snapshot, IsRefusedWhenTruncatedOrPadded) {
    const std::string bytes = encode_version_1(sample());
    EXPECT_FALSE(decode_snapshot(bytes.substr(0, bytes.size() - 5)).ok());
    std::string padded = bytes;
    padded.insert(padded.size() - 4, std::string(10, '\0'));
    EXPECT_FALSE(decode_snapshot(reseal(padded)).ok());
}

TEST(AVersion2Worker, CarriesHowItIsFollowedItsWatchdogAndFailure) {
    const auto decoded = decode_snapshot(encode_snapshot(sample()));
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    ASSERT_EQ(decoded->workers.size(), 5U);
    EXPECT_TRUE(decoded->workers[1].named);
    EXPECT_EQ(decoded->workers[1].watchdog_us, 5'000'000);
    EXPECT_EQ(decoded->workers[1].failure, "errno 13");
    EXPECT_TRUE(decoded->workers[3].follows_unit);
    EXPECT_EQ(decoded->workers[3].cgroup, "/system.slice/job.service");
    EXPECT_EQ(decoded->workers[4].bus_name, ":1.42");
}

} // namespace
} // namespace nb::core::testing
