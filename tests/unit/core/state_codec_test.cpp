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
    WorkerRecord spawned = ready;
    spawned.name = "pid:77";
    spawned.group = "";
    spawned.source = Source::spawned;
    spawned.pid = 77;
    spawned.state = WorkerState::starting;
    snapshot.workers = {ready, late, spawned};
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
        Corruption{"next version", 8, std::string("\x02\x00", 2), "version"},
        Corruption{"unknown flags", 10, std::string("\x01\x00", 2), "flags"},
        Corruption{"body length too long", 12, std::string("\xff\xff\x00\x00", 4), "truncated"},
        Corruption{"a million workers", 32, std::string("\x40\x42\x0f\x00", 4), "cannot fit"},
        Corruption{"more workers than written", 32, std::string("\x04\x00\x00\x00", 4),
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
    EXPECT_EQ(bytes[8], '\x01');
    EXPECT_EQ(bytes[9], '\x00');
}

} // namespace
} // namespace nb::core::testing
