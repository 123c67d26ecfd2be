#include "core/probe_target.hpp"

#include <algorithm>

namespace nb::core {
namespace {

std::string replaced(std::string text, std::string_view placeholder, std::string_view by) {
    for (auto at = text.find(placeholder); at != std::string::npos;
         at = text.find(placeholder, at + by.size())) {
        text.replace(at, placeholder.size(), by);
    }
    return text;
}

bool contains(const std::string& text, std::string_view placeholder) {
    return text.find(placeholder) != std::string::npos;
}

} // namespace

bool probe_uses(const ProbeSpec& probe, std::string_view placeholder) {
    return contains(probe.address, placeholder) || contains(probe.unix_socket, placeholder) ||
           contains(probe.url, placeholder) ||
           std::any_of(probe.command.begin(), probe.command.end(),
                       [&](const std::string& arg) { return contains(arg, placeholder); });
}

bool is_path_safe_name(std::string_view name) noexcept {
    return !name.empty() && !name.starts_with('.') && name.find('/') == std::string_view::npos &&
           name.find('\0') == std::string_view::npos;
}

std::string percent_encoded(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                                (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                                c == '~';
        if (unreserved) {
            out += c;
        } else {
            const auto byte = static_cast<unsigned char>(c);
            out += '%';
            out += hex[byte >> 4];
            out += hex[byte & 0xF];
        }
    }
    return out;
}

std::string unit_instance(std::string_view unit) {
    const auto at = unit.find('@');
    const auto dot = unit.rfind('.');
    if (at == std::string_view::npos || dot == std::string_view::npos || dot <= at) {
        return {};
    }
    return std::string(unit.substr(at + 1, dot - at - 1));
}

std::optional<ProbeSpec> resolve_probe(const ProbeSpec& probe, std::string_view worker,
                                       std::string_view instance) {
    ProbeSpec out = probe;
    for (const auto& [placeholder, name] :
         {std::pair{worker_placeholder, worker}, std::pair{instance_placeholder, instance}}) {
        if (!probe_uses(probe, placeholder)) {
            continue;
        }
        // An argument may be a path too (a script's socket or pid file): the
        // same rule everywhere keeps it simple to state and to audit.
        if (!is_path_safe_name(name)) {
            return std::nullopt;
        }
        for (std::string& arg : out.command) {
            arg = replaced(std::move(arg), placeholder, name);
        }
        out.address = replaced(std::move(out.address), placeholder, name);
        out.unix_socket = replaced(std::move(out.unix_socket), placeholder, name);
        out.url = replaced(std::move(out.url), placeholder, percent_encoded(name));
    }
    return out;
}

} // namespace nb::core
