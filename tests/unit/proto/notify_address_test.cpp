#include <nb/proto/notify_address.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <ostream>
#include <string>

#include <linux/vm_sockets.h>

namespace {

using nb::proto::NotifyAddress;
using Kind = NotifyAddress::Kind;
using VsockType = NotifyAddress::VsockType;

struct AcceptedCase {
    const char* name;
    std::string text;
    NotifyAddress expected;
    std::string canonical; ///< to_string()
    int socket_type;
};

// Shows the case name instead of a byte dump in test listings.
[[maybe_unused]] void PrintTo(const AcceptedCase& c, std::ostream* os) {
    *os << c.name;
}

NotifyAddress unix_path(std::string p) {
    return NotifyAddress{Kind::unix_path, std::move(p), 0, 0, VsockType::unspecified};
}
NotifyAddress abstract(std::string p) {
    return NotifyAddress{Kind::unix_abstract, std::move(p), 0, 0, VsockType::unspecified};
}
NotifyAddress vsock(std::uint32_t cid, std::uint32_t port, VsockType type) {
    return NotifyAddress{Kind::vsock, "", cid, port, type};
}

class AcceptedAddress : public testing::TestWithParam<AcceptedCase> {};

TEST_P(AcceptedAddress, ParsesAndPrintsBackInCanonicalForm) {
    const auto& c = GetParam();
    const auto address = NotifyAddress::parse(c.text);
    ASSERT_TRUE(address.ok()) << address.error().message;
    EXPECT_EQ(*address, c.expected);
    EXPECT_EQ(address->to_string(), c.canonical);
    EXPECT_EQ(address->socket_type(), c.socket_type);
    const auto again = NotifyAddress::parse(address->to_string());
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(*again, *address);
}

const std::string longest_path = "/" + std::string(106, 'p');
const std::string longest_abstract = "@" + std::string(106, 'a');

INSTANTIATE_TEST_SUITE_P(
    Addresses, AcceptedAddress,
    testing::Values(
        AcceptedCase{"AbsolutePath", "/run/systemd/notify", unix_path("/run/systemd/notify"),
                     "/run/systemd/notify", SOCK_DGRAM},
        AcceptedCase{"ShortestPath", "/x", unix_path("/x"), "/x", SOCK_DGRAM},
        AcceptedCase{"PathOf107Bytes", longest_path, unix_path(longest_path), longest_path,
                     SOCK_DGRAM},
        AcceptedCase{"AbstractName", "@broker/notify", abstract("broker/notify"), "@broker/notify",
                     SOCK_DGRAM},
        AcceptedCase{"AbstractNameOf107Bytes", longest_abstract,
                     abstract(longest_abstract.substr(1)), longest_abstract, SOCK_DGRAM},
        AcceptedCase{"VsockNumeric", "vsock:3:1024", vsock(3, 1024, VsockType::unspecified),
                     "vsock:3:1024", SOCK_DGRAM},
        AcceptedCase{"VsockHost", "vsock:host:9", vsock(VMADDR_CID_HOST, 9, VsockType::unspecified),
                     "vsock:2:9", SOCK_DGRAM},
        AcceptedCase{"VsockHypervisor", "vsock:hypervisor:9",
                     vsock(VMADDR_CID_HYPERVISOR, 9, VsockType::unspecified), "vsock:0:9",
                     SOCK_DGRAM},
        AcceptedCase{"VsockLocal", "vsock:local:9",
                     vsock(VMADDR_CID_LOCAL, 9, VsockType::unspecified), "vsock:1:9", SOCK_DGRAM},
        AcceptedCase{"VsockPortZero", "vsock:2:0", vsock(2, 0, VsockType::unspecified), "vsock:2:0",
                     SOCK_DGRAM},
        AcceptedCase{"VsockLargestPort", "vsock:2:4294967294",
                     vsock(2, 4294967294U, VsockType::unspecified), "vsock:2:4294967294",
                     SOCK_DGRAM},
        AcceptedCase{"VsockStream", "vsock-stream:2:5", vsock(2, 5, VsockType::stream),
                     "vsock-stream:2:5", SOCK_STREAM},
        AcceptedCase{"VsockDgram", "vsock-dgram:2:5", vsock(2, 5, VsockType::dgram),
                     "vsock-dgram:2:5", SOCK_DGRAM},
        AcceptedCase{"VsockSeqpacket", "vsock-seqpacket:2:5", vsock(2, 5, VsockType::seqpacket),
                     "vsock-seqpacket:2:5", SOCK_SEQPACKET}),
    [](const auto& case_info) { return std::string(case_info.param.name); });

struct RejectedCase {
    const char* name;
    std::string text;
    std::string error;
};

// Shows the case name instead of a byte dump in test listings.
[[maybe_unused]] void PrintTo(const RejectedCase& c, std::ostream* os) {
    *os << c.name;
}

class RejectedAddress : public testing::TestWithParam<RejectedCase> {};

TEST_P(RejectedAddress, IsRefusedWithAnErrorQuotingIt) {
    const auto address = NotifyAddress::parse(GetParam().text);
    ASSERT_FALSE(address.ok());
    EXPECT_EQ(address.error().message, GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Addresses, RejectedAddress,
    testing::Values(
        RejectedCase{"Empty", "", "NOTIFY_SOCKET=\"\": empty"},
        RejectedCase{"RelativePath", "run/notify",
                     "NOTIFY_SOCKET=\"run/notify\": must be an absolute path, @abstract-name or "
                     "vsock:CID:PORT"},
        RejectedCase{"LoneSlash", "/",
                     "NOTIFY_SOCKET=\"/\": a socket name is needed after the leading character"},
        RejectedCase{"LoneAt", "@",
                     "NOTIFY_SOCKET=\"@\": a socket name is needed after the leading character"},
        RejectedCase{"PathOf108Bytes", "/" + std::string(107, 'p'),
                     "NOTIFY_SOCKET=\"/" + std::string(107, 'p') +
                         "\": longer than 107 bytes, does not fit in sockaddr_un"},
        RejectedCase{"AbstractOf108Bytes", "@" + std::string(107, 'a'),
                     "NOTIFY_SOCKET=\"@" + std::string(107, 'a') +
                         "\": longer than 107 bytes, does not fit in sockaddr_un"},
        RejectedCase{"WithNul", std::string("/run\0x", 6),
                     "NOTIFY_SOCKET=\"/run\\x00x\": contains a NUL byte"},
        RejectedCase{"VsockWithoutPort", "vsock:2",
                     "NOTIFY_SOCKET=\"vsock:2\": expected vsock:CID:PORT"},
        RejectedCase{
            "VsockEmptyCid", "vsock::5",
            "NOTIFY_SOCKET=\"vsock::5\": vsock CID is empty; a notify socket needs a peer CID"},
        RejectedCase{"VsockCidAny", "vsock:4294967295:5",
                     "NOTIFY_SOCKET=\"vsock:4294967295:5\": vsock CID is VMADDR_CID_ANY; a notify "
                     "socket needs a peer CID"},
        RejectedCase{"VsockCidTooLarge", "vsock:4294967296:5",
                     "NOTIFY_SOCKET=\"vsock:4294967296:5\": vsock CID \"4294967296\" is not a "
                     "32-bit number or hypervisor|local|host"},
        RejectedCase{"VsockCidName", "vsock:guest:5",
                     "NOTIFY_SOCKET=\"vsock:guest:5\": vsock CID \"guest\" is not a 32-bit number "
                     "or hypervisor|local|host"},
        RejectedCase{"VsockNegativeCid", "vsock:-1:5",
                     "NOTIFY_SOCKET=\"vsock:-1:5\": vsock CID \"-1\" is not a 32-bit number or "
                     "hypervisor|local|host"},
        RejectedCase{
            "VsockEmptyPort", "vsock:2:",
            "NOTIFY_SOCKET=\"vsock:2:\": vsock PORT \"\" is not a number from 0 to 4294967294"},
        RejectedCase{"VsockPortAny", "vsock:2:4294967295",
                     "NOTIFY_SOCKET=\"vsock:2:4294967295\": vsock PORT \"4294967295\" is not a "
                     "number from 0 to 4294967294"},
        RejectedCase{"VsockExtraField", "vsock:2:5:6",
                     "NOTIFY_SOCKET=\"vsock:2:5:6\": vsock PORT \"5:6\" is not a number from 0 to "
                     "4294967294"},
        RejectedCase{"VsockUnknownType", "vsock-raw:2:5",
                     "NOTIFY_SOCKET=\"vsock-raw:2:5\": must be an absolute path, @abstract-name or "
                     "vsock:CID:PORT"},
        RejectedCase{"UppercaseVsock", "VSOCK:2:5",
                     "NOTIFY_SOCKET=\"VSOCK:2:5\": must be an absolute path, @abstract-name or "
                     "vsock:CID:PORT"}),
    [](const auto& case_info) { return std::string(case_info.param.name); });

TEST(NotifyAddressSockaddr, PathCountsItsTrailingNul) {
    const auto address = NotifyAddress::parse("/run/n");
    ASSERT_TRUE(address.ok());
    sockaddr_un sa{};
    const socklen_t length = address->to_sockaddr_un(sa);
    EXPECT_EQ(sa.sun_family, AF_UNIX);
    EXPECT_EQ(length, offsetof(sockaddr_un, sun_path) + 7);
    EXPECT_STREQ(sa.sun_path, "/run/n");
}

TEST(NotifyAddressSockaddr, AbstractNameStartsWithNulAndCountsNoTrailingNul) {
    const auto address = NotifyAddress::parse("@broker");
    ASSERT_TRUE(address.ok());
    sockaddr_un sa{};
    const socklen_t length = address->to_sockaddr_un(sa);
    EXPECT_EQ(sa.sun_family, AF_UNIX);
    EXPECT_EQ(length, offsetof(sockaddr_un, sun_path) + 1 + 6);
    EXPECT_EQ(sa.sun_path[0], '\0');
    EXPECT_EQ(std::string(sa.sun_path + 1, 6), "broker");
}

TEST(NotifyAddressSockaddr, LongestPathStillFitsWithItsNul) {
    const auto address = NotifyAddress::parse(longest_path);
    ASSERT_TRUE(address.ok());
    sockaddr_un sa{};
    EXPECT_EQ(address->to_sockaddr_un(sa), sizeof(sockaddr_un));
    EXPECT_EQ(sa.sun_path[sizeof(sa.sun_path) - 1], '\0');
}

} // namespace
