// decode_snapshot (core/state_codec.hpp) on arbitrary bytes: the state a
// predecessor left in the fd store is input a crash or a stranger may have
// written. It is refused with an error or decoded; a decoded snapshot is within
// the bounds, re-encodes to the very bytes it came from (the format has one
// encoding per snapshot; for a snapshot of an older version, which is encoded
// anew in the current one, the re-encoding must still decode equal) and those
// decode equal.
//
// A checksum a mutation would have to guess hides the body from the fuzzer, so
// each input is also tried as a body under a correct header and checksum, of
// the current version and of the oldest one still read.
#include "core/state_codec.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using nb::core::decode_snapshot;
using nb::core::encode_snapshot;
using nb::core::StateSnapshot;

[[noreturn]] void fail(const char* what, std::string_view detail) {
    std::fprintf(stderr, "invariant broken: %s: %.*s\n", what, static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
}

template <class T>
void put(std::string& out, T value) {
    for (std::size_t i = 0; i < sizeof(T); ++i) {
        out.push_back(static_cast<char>(static_cast<std::uint64_t>(value) >> (8 * i) & 0xFFU));
    }
}

/// The header and checksum of the format around `body` (state_codec.hpp).
std::string framed(std::string_view body, std::uint16_t version) {
    std::string bytes(nb::core::snapshot_magic);
    put<std::uint16_t>(bytes, version);
    put<std::uint16_t>(bytes, 0);
    put<std::uint32_t>(bytes, static_cast<std::uint32_t>(body.size()));
    bytes.append(body);
    std::uint32_t hash = 2166136261U; // FNV-1a
    for (const char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 16777619U;
    }
    put<std::uint32_t>(bytes, hash);
    return bytes;
}

void check(std::string_view bytes) {
    const auto decoded = decode_snapshot(bytes);
    if (!decoded) {
        if (decoded.error().message.empty()) {
            fail("refused without a message", "");
        }
        return;
    }
    const StateSnapshot& snapshot = *decoded;
    if (snapshot.workers.size() > nb::core::max_snapshot_workers) {
        fail("more workers than the bound", std::to_string(snapshot.workers.size()));
    }
    for (const auto& worker : snapshot.workers) {
        for (const std::string* text : {&worker.name, &worker.group, &worker.status, &worker.unit,
                                        &worker.cgroup, &worker.bus_name, &worker.failure}) {
            if (text->size() > nb::core::max_snapshot_string) {
                fail("a string longer than the bound", *text);
            }
        }
        if (worker.source > nb::core::Source::spawned ||
            worker.state > nb::core::WorkerState::gone) {
            fail("an enum out of range", worker.name);
        }
    }
    const std::string encoded = encode_snapshot(snapshot);
    // Decoded, so the header is there: its version follows the magic.
    const auto version = static_cast<std::uint16_t>(
        static_cast<unsigned char>(bytes[nb::core::snapshot_magic.size()]) |
        static_cast<unsigned char>(bytes[nb::core::snapshot_magic.size() + 1]) << 8U);
    if (version == nb::core::snapshot_version && encoded != bytes) {
        fail("re-encoding gave other bytes", encoded);
    }
    const auto again = decode_snapshot(encoded);
    if (!again) {
        fail("re-encoded snapshot does not decode", again.error().message);
    }
    if (!(*again == snapshot)) {
        fail("re-encoded snapshot decodes to another snapshot", encoded);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    check(input);
    check(framed(input, nb::core::snapshot_version));
    check(framed(input, nb::core::oldest_snapshot_version));
    return 0;
}
