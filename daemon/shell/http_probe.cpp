#include "shell/http_probe.hpp"

#include <chrono>

namespace nb::daemon {
namespace {

class HttpRun final : public ProbeRun {
public:
    HttpRun(CurlMulti& multi, std::string body_contains, ProbeDone done)
        : multi_(multi)
        , body_contains_(std::move(body_contains))
        , done_(std::move(done)) {}

    ~HttpRun() override {
        if (easy_ != nullptr) {
            multi_.remove(easy_);
            curl_easy_cleanup(easy_); // closes its connection
        }
    }

    bool start(const core::ProbeSpec& spec) {
        easy_ = curl_easy_init();
        if (easy_ == nullptr) {
            return false;
        }
        const auto timeout =
            std::chrono::duration_cast<std::chrono::milliseconds>(spec.timing.timeout);
        bool ok = curl_easy_setopt(easy_, CURLOPT_URL, spec.url.c_str()) == CURLE_OK &&
                  curl_easy_setopt(easy_, CURLOPT_PROTOCOLS_STR, "http") == CURLE_OK &&
                  curl_easy_setopt(easy_, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
                  curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
                  // The target is the config's, never the environment's proxy.
                  curl_easy_setopt(easy_, CURLOPT_PROXY, "") == CURLE_OK &&
                  curl_easy_setopt(easy_, CURLOPT_NOPROXY, "*") == CURLE_OK &&
                  curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS,
                                   static_cast<long>(std::max<std::int64_t>(1, timeout.count()))) ==
                      CURLE_OK &&
                  curl_easy_setopt(easy_, CURLOPT_FORBID_REUSE, 1L) == CURLE_OK &&
                  curl_easy_setopt(easy_, CURLOPT_USERAGENT, "notify-brokerd-probe") == CURLE_OK &&
                  curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &HttpRun::on_body) == CURLE_OK &&
                  curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this) == CURLE_OK;
        if (ok && !spec.unix_socket.empty()) {
            ok = curl_easy_setopt(easy_, CURLOPT_UNIX_SOCKET_PATH, spec.unix_socket.c_str()) ==
                 CURLE_OK;
        }
        return ok && multi_.add(easy_, [this](CURLcode result) { finished(result); });
    }

private:
    static std::size_t on_body(char* data, std::size_t size, std::size_t count,
                               void* self_ptr) noexcept {
        auto* self = static_cast<HttpRun*>(self_ptr);
        const std::size_t n = size * count;
        if (!self->body_contains_.empty()) {
            const std::size_t room =
                probe_body_limit - std::min(probe_body_limit, self->body_.size());
            try {
                self->body_.append(data, std::min(room, n));
            } catch (...) {
                return 0; // curl fails the transfer: a failed probe
            }
        }
        return n;
    }

    void finished(CURLcode result) noexcept {
        ProbeResult outcome;
        try {
            long status = 0;
            curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
            if (result != CURLE_OK) {
                outcome.detail = std::string("http: ") + curl_easy_strerror(result);
            } else if (status < 200 || status >= 400) {
                outcome.detail = "http status " + std::to_string(status);
            } else if (!body_contains_.empty() && body_.find(body_contains_) == std::string::npos) {
                outcome.detail = "http status " + std::to_string(status) +
                                 ", but the body does not contain '" + body_contains_ + "'";
            } else {
                outcome.healthy = true;
            }
        } catch (...) {
        }
        ProbeDone done = std::move(done_);
        if (done) {
            done(std::move(outcome)); // may destroy this
        }
    }

    CurlMulti& multi_;
    CURL* easy_ = nullptr;
    std::string body_contains_;
    std::string body_;
    ProbeDone done_;
};

} // namespace

std::unique_ptr<ProbeRun> start_http_probe(CurlMulti& multi, const core::ProbeSpec& spec,
                                           ProbeDone done) {
    auto run = std::make_unique<HttpRun>(multi, spec.body_contains, done);
    if (!run->start(spec)) {
        run.reset();
        done(ProbeResult{false, "http: libcurl refused the request"});
        return nullptr;
    }
    return run;
}

} // namespace nb::daemon
