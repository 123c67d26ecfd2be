#include "config/command_line.hpp"

#include "config/config_loader.hpp"
#include "config/duration.hpp"
#include "config/value_parsers.hpp"

#include <array>

#ifndef NB_VERSION
#define NB_VERSION "unknown"
#endif

namespace nb::config {
namespace {

struct Given {
    std::string_view name; // as written, for messages
    std::string value;
};

// What the line said, before the file is read: the file comes first, then these.
struct Overrides {
    std::optional<Given> config, socket, socket_mode, socket_group, expect, log_level, bus,
        bus_name, status_interval, workers;
    bool check_config = false;
    std::optional<std::vector<std::string>> command;
};

enum class Flag { none, check_config, help, version };

struct OptionSpec {
    std::string_view name;
    std::optional<Given> Overrides::*slot; ///< where its value goes; nullptr for a flag
    Flag flag = Flag::none;
};

constexpr std::array options{
    OptionSpec{"--config", &Overrides::config},
    OptionSpec{"--check-config", nullptr, Flag::check_config},
    OptionSpec{"--socket", &Overrides::socket},
    OptionSpec{"--socket-mode", &Overrides::socket_mode},
    OptionSpec{"--socket-group", &Overrides::socket_group},
    OptionSpec{"--expect", &Overrides::expect},
    OptionSpec{"--log-level", &Overrides::log_level},
    OptionSpec{"--bus", &Overrides::bus},
    OptionSpec{"--bus-name", &Overrides::bus_name},
    OptionSpec{"--status-interval", &Overrides::status_interval},
    OptionSpec{"--workers", &Overrides::workers},
    OptionSpec{"--help", nullptr, Flag::help},
    OptionSpec{"-h", nullptr, Flag::help},
    OptionSpec{"--version", nullptr, Flag::version},
};

proto::Error option_error(std::string_view name, std::string_view why) {
    return proto::Error{std::string(name) + ": " + std::string(why)};
}

// Turns a value check's Error into "--option: why".
template <class T>
proto::Result<T> for_option(const Given& given, proto::Result<T> result) {
    if (!result) {
        return option_error(given.name, result.error().message);
    }
    return result;
}

// Stores a given option's value once `check` accepts it; "--option: why" if not.
proto::Status set_checked(const std::optional<Given>& given,
                          proto::Status (*check)(std::string_view), std::string& to) {
    if (!given) {
        return proto::Ok{};
    }
    if (auto status = check(given->value); !status) {
        return option_error(given->name, status.error().message);
    }
    to = given->value;
    return proto::Ok{};
}

// Stores what `parse` makes of a given option's value; "--option: why" if it cannot.
template <class Parse, class T>
proto::Status set_parsed(const std::optional<Given>& given, Parse parse, T& to) {
    if (!given) {
        return proto::Ok{};
    }
    auto value = for_option(*given, parse(given->value));
    if (!value) {
        return value.error();
    }
    to = *value;
    return proto::Ok{};
}

proto::Status apply(const Overrides& o, daemon::DaemonSettings& s) {
    // In this order, so that the first bad option is the one reported.
    for (const proto::Status& status : {set_checked(o.socket, check_socket_path, s.socket.path),
                                        set_parsed(o.socket_mode, parse_mode, s.socket.mode),
                                        set_parsed(o.socket_group, lookup_group, s.socket.group),
                                        set_parsed(o.log_level, parse_log_level, s.log_level),
                                        set_checked(o.bus, check_bus, s.bus.bus),
                                        set_checked(o.bus_name, check_bus_name, s.bus.name)}) {
        if (!status) {
            return status;
        }
    }
    if (o.status_interval) {
        auto span = for_option(*o.status_interval,
                               parse_duration(o.status_interval->value, longest_status_interval));
        if (!span) {
            return span.error();
        }
        if (span->count() != 0 && *span < std::chrono::milliseconds{1}) {
            return option_error(o.status_interval->name, "must be 0 or at least 1ms");
        }
        s.broker.status_interval = std::chrono::duration_cast<std::chrono::milliseconds>(*span);
    }
    if (o.command) {
        s.spawn.command = *o.command;
    }
    std::optional<unsigned> copies;
    if (o.workers) {
        auto count = for_option(*o.workers, parse_count(o.workers->value));
        if (!count) {
            return count.error();
        }
        if (*count == 0 || *count > 4096) {
            return option_error(o.workers->name, "must be between 1 and 4096");
        }
        if (s.spawn.command.empty()) {
            return option_error(o.workers->name, "needs a command to run (after --)");
        }
        copies = *count;
        s.spawn.copies = *count;
    }
    std::optional<unsigned> expected;
    if (o.expect) {
        auto count = for_option(*o.expect, parse_count(o.expect->value));
        if (!count) {
            return count.error();
        }
        if (*count == 0) {
            return option_error(o.expect->name, "must be at least 1");
        }
        if (*count > s.broker.max_workers) {
            return option_error(o.expect->name, "is more than max_workers (" +
                                                    std::to_string(s.broker.max_workers) + ")");
        }
        expected = *count;
    } else if (copies && !o.config) {
        // Without a config file, "spawn N copies" means "wait for N workers".
        expected = *copies;
    }
    if (expected) {
        if (s.broker.groups.size() != 1) {
            return option_error(o.expect ? o.expect->name : o.workers->name,
                                "the config file defines " +
                                    std::to_string(s.broker.groups.size()) +
                                    " groups; set expect in each [[group]]");
        }
        core::GroupConfig& group = s.broker.groups.front();
        if (group.min_ready && *group.min_ready > *expected) {
            return option_error(o.expect ? o.expect->name : o.workers->name,
                                std::to_string(*expected) + " is less than min_ready (" +
                                    std::to_string(*group.min_ready) + ") of group '" + group.name +
                                    "'");
        }
        group.expected = *expected;
    }
    s.check_config_only = o.check_config;
    return proto::Ok{};
}

} // namespace

proto::Result<CommandLine> parse_command_line(const std::vector<std::string>& args) {
    Overrides given;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--") {
            std::vector<std::string> command(args.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                                             args.end());
            if (command.empty() || command.front().empty()) {
                return option_error("--", "needs a command to run after it");
            }
            given.command = std::move(command);
            break;
        }
        if (!arg.starts_with('-') || arg == "-") {
            return proto::Error{"unexpected argument '" + arg +
                                "' (put the command to spawn after --)"};
        }
        const auto equals = arg.find('=');
        const std::string_view name = std::string_view(arg).substr(0, equals);
        const OptionSpec* spec = nullptr;
        for (const OptionSpec& candidate : options) {
            if (candidate.name == name) {
                spec = &candidate;
            }
        }
        if (spec == nullptr) {
            return proto::Error{"unknown option '" + std::string(name) + "' (see --help)"};
        }
        if (spec->slot == nullptr) {
            if (equals != std::string::npos) {
                return option_error(spec->name, "takes no value");
            }
            if (spec->flag == Flag::help) {
                return CommandLine{{}, usage_text("notify-brokerd")};
            }
            if (spec->flag == Flag::version) {
                return CommandLine{{}, std::string("notify-brokerd ") + NB_VERSION + "\n"};
            }
            given.check_config = true;
            continue;
        }
        std::string value;
        if (equals != std::string::npos) {
            value = arg.substr(equals + 1);
        } else {
            if (i + 1 == args.size()) {
                return option_error(spec->name, "needs a value");
            }
            value = args[++i];
        }
        given.*(spec->slot) = Given{spec->name, std::move(value)};
    }

    CommandLine result;
    if (given.config) {
        if (given.config->value.empty()) {
            return option_error(given.config->name, "needs a file name");
        }
        auto loaded = load_config_file(given.config->value);
        if (!loaded) {
            return loaded.error();
        }
        result.settings = std::move(loaded).value();
    }
    if (auto status = apply(given, result.settings); !status) {
        return status.error();
    }
    return result;
}

proto::Result<CommandLine> parse_command_line(int argc, const char* const* argv) {
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        args.emplace_back(argv[i]);
    }
    return parse_command_line(args);
}

std::string usage_text(std::string_view program) {
    std::string text = "Usage: " + std::string(program) + " [OPTIONS] [-- COMMAND [ARGS...]]\n";
    text += R"(
A broker for systemd's sd_notify protocol: workers report to its socket, it
tells systemd one consolidated story (READY=1, STATUS=, WATCHDOG=1).

  --config FILE            read settings from a TOML file (see notify-brokerd.toml)
  --check-config           check the settings, print them as TOML and exit
  --socket PATH            the workers' socket (absolute path or @abstract)
  --socket-mode MODE       permissions of the socket, e.g. 0660
  --socket-group GROUP     group owning the socket (name or gid)
  --expect N               wait for N required workers (the single group)
  --log-level LEVEL        err, warning, notice, info or debug
  --bus BUS                system, session, none or a D-Bus address
  --bus-name NAME          well-known D-Bus name to own
  --status-interval SPAN   send STATUS= at most this often (e.g. 500ms)
  --workers N              spawn N copies of COMMAND (and expect N workers)
  -h, --help               show this help and exit
  --version                show the version and exit

With "-- COMMAND", the broker starts COMMAND itself with NOTIFY_SOCKET set to
its socket, forwards SIGTERM/SIGINT/SIGHUP to it, and exits with its status.
Command-line options override the config file.
)";
    return text;
}

} // namespace nb::config
