#include "shell/metrics_file.hpp"

#include "base/logger.hpp"
#include "base/unique_fd.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace nb::daemon {
namespace {

constexpr std::chrono::milliseconds shortest_period{1000};

/// The whole text into path, through a temporary file and rename(2).
bool replace_file(const std::string& path, const std::string& text, std::string& why) {
    const std::string temporary = path + ".tmp";
    UniqueFd fd(
        ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd) {
        why = "cannot create " + temporary + ": " + std::strerror(errno);
        return false;
    }
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            why = "cannot write " + temporary + ": " + std::strerror(errno);
            ::unlink(temporary.c_str());
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    fd.reset();
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        why = "cannot rename " + temporary + " to " + path + ": " + std::strerror(errno);
        ::unlink(temporary.c_str());
        return false;
    }
    return true;
}

} // namespace

MetricsFile::MetricsFile(uv_loop_t* loop, std::string path, std::chrono::milliseconds period,
                         Render render)
    : path_(std::move(path))
    , period_(std::max(period, shortest_period))
    , render_(std::move(render))
    , timer_(std::make_unique<DeadlineTimer>(loop, [this] { on_timer(); })) {}

void MetricsFile::start() noexcept {
    on_timer();
}

void MetricsFile::close() noexcept {
    timer_->close();
}

bool MetricsFile::write_if_changed() noexcept {
    try {
        std::string text = render_();
        if (text == last_ && writes_ > 0) {
            return true;
        }
        std::string why;
        if (!replace_file(path_, text, why)) {
            if (!failing_) {
                log(LogLevel::warning, "metrics_file: " + why);
            }
            failing_ = true;
            return false;
        }
        if (failing_) {
            log(LogLevel::notice, "metrics_file: " + path_ + " written again");
        }
        failing_ = false;
        last_ = std::move(text);
        ++writes_;
        return true;
    } catch (...) {
        return false; // std::bad_alloc: the next period tries again
    }
}

void MetricsFile::on_timer() noexcept {
    write_if_changed();
    timer_->arm(std::chrono::steady_clock::now() + period_);
}

} // namespace nb::daemon
