#include <nb/client/send_result.hpp>

#include <cstring>

namespace nb::client {

std::string SendResult::message() const {
    switch (status) {
    case Status::sent:
        return "sent";
    case Status::unset:
        return "NOTIFY_SOCKET is not set, nothing sent";
    case Status::failed:
        break;
    }
    std::string text = detail;
    if (error != 0) {
        if (!text.empty()) {
            text += ": ";
        }
        text += std::strerror(error);
    } else if (text.empty()) {
        text = "failed";
    }
    return text;
}

} // namespace nb::client
