#include "broker_harness.hpp"

namespace nb::test {

BusClient::BusClient(uv_loop_t* loop, const std::string& address)
    : connection_(sdbus::createSessionBusConnectionWithAddress(address))
    , proxy_(dbus::sdbus_seam::create_proxy(*connection_, broker_name, broker_path)) {
    proxy_->uponSignal("PropertiesChanged")
        .onInterface("org.freedesktop.DBus.Properties")
        .call([this](const std::string& interface,
                     const std::map<std::string, sdbus::Variant>& changed,
                     const std::vector<std::string>& invalidated) {
            if (interface == broker_interface) {
                changes.push_back(changed);
                invalidations.push_back(invalidated);
            }
        });
    dbus::sdbus_seam::finish_proxy_registration(*proxy_);
    pump_ = std::make_unique<dbus::BusPump>(loop, *connection_, nullptr);
}

BusClient::~BusClient() {
    pump_.reset();
    proxy_.reset();
    connection_.reset();
}

namespace {

// A restarted dbus-daemon has a new guid: connect by path alone, as to a real bus.
std::string without_guid(std::string address) {
    if (const auto guid = address.find(",guid="); guid != std::string::npos) {
        address.erase(guid);
    }
    return address;
}

} // namespace

BrokerHarness::BrokerHarness(core::BrokerConfig config, PrivateBusOptions bus_options,
                             Clock clock_fn)
    : bus(std::move(bus_options))
    , clock(clock_fn ? std::move(clock_fn) : [] { return std::chrono::steady_clock::now(); })
    , broker(std::move(config), core::UpstreamContext{}, clock()) {
    upstream = broker.take_outbox();
    dbus::BusHooks hooks;
    hooks.now = [this] {
        return clock();
    };
    hooks.after_change = [this] {
        ++after_changes;
        for (auto& datagram : broker.take_outbox()) {
            upstream.push_back(std::move(datagram));
        }
    };
    hooks.log = [this](daemon::LogLevel, std::string_view text) {
        log.emplace_back(text);
    };
    hooks.unit_of = [this](pid_t pid) {
        return unit_of ? unit_of(pid) : std::string();
    };
    daemon::BusSettings settings;
    settings.bus = without_guid(bus.address());
    settings.name = broker_name;
    service = std::make_unique<dbus::BusService>(loop.get(), broker, settings, std::move(hooks));
    // The connect is asynchronous: wait for its outcome, the name or the failure.
    await_connect_outcome();
}

bool BrokerHarness::await_connect_outcome(std::chrono::milliseconds timeout) {
    const std::size_t before = log.size();
    return loop.run_until(
        [&] {
            if (service->connected()) {
                return true;
            }
            for (std::size_t i = before; i < log.size(); ++i) {
                if (log[i].find("cannot serve") != std::string::npos) {
                    return true;
                }
            }
            return false;
        },
        timeout);
}

BrokerHarness::~BrokerHarness() {
    if (service) {
        service->close();
    }
}

std::unique_ptr<LoopProcess> BrokerHarness::busctl(std::vector<std::string> args,
                                                   std::vector<std::string> prefix) {
    std::vector<std::string> argv = std::move(prefix);
    argv.push_back("busctl");
    argv.push_back("--address=" + bus.address());
    argv.insert(argv.end(), args.begin(), args.end());
    auto child = std::make_unique<LoopProcess>();
    if (child->spawn(loop.get(), argv) == 0) {
        loop.run_until([&] { return child->exited(); });
    }
    return child;
}

std::unique_ptr<LoopProcess> BrokerHarness::call(std::vector<std::string> args,
                                                 std::vector<std::string> prefix) {
    std::vector<std::string> argv = {"call", broker_name, broker_path, broker_interface};
    argv.insert(argv.end(), args.begin(), args.end());
    return busctl(std::move(argv), std::move(prefix));
}

std::string BrokerHarness::property(const std::string& name) {
    auto child = busctl({"get-property", broker_name, broker_path, broker_interface, name});
    std::string out = child->out();
    while (!out.empty() && out.back() == '\n') {
        out.pop_back();
    }
    return out;
}

int BrokerHarness::finish() {
    service->close();
    service.reset();
    return loop.drain_and_close();
}

} // namespace nb::test
