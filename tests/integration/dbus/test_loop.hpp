#pragma once
// A libuv loop for one test: run it until a condition holds (each turn waits for
// a real event; a timer bounds the wait), and check that every handle closed.
// Thread-safety: the test thread only.

#include <uv.h>

#include <chrono>
#include <functional>

namespace nb::test {

class TestLoop {
public:
    TestLoop() { uv_loop_init(&loop_); }
    ~TestLoop() {
        if (closed_) {
            return;
        }
        // A failed test may leave handles open: close them so the next test is clean.
        uv_walk(
            &loop_,
            [](uv_handle_t* h, void*) {
                if (uv_is_closing(h) == 0) {
                    uv_close(h, nullptr);
                }
            },
            nullptr);
        uv_run(&loop_, UV_RUN_DEFAULT);
        uv_loop_close(&loop_);
    }
    TestLoop(const TestLoop&) = delete;
    TestLoop& operator=(const TestLoop&) = delete;

    uv_loop_t* get() noexcept { return &loop_; }

    /// Runs the loop until `done()` is true or `timeout` passed; returns done().
    /// done() is checked before the loop would block (a uv_prepare_t), so a
    /// condition met by a timer callback does not wait for the next event.
    bool run_until(const std::function<bool()>& done,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        struct Wait {
            const std::function<bool()>* done;
            bool timed_out = false;
        } wait{&done};
        uv_timer_t timer{};
        uv_prepare_t check{};
        timer.data = &wait;
        check.data = &wait;
        uv_timer_init(&loop_, &timer);
        uv_prepare_init(&loop_, &check);
        uv_timer_start(
            &timer,
            [](uv_timer_t* t) {
                static_cast<Wait*>(t->data)->timed_out = true;
                uv_stop(t->loop);
            },
            static_cast<std::uint64_t>(timeout.count()), 0);
        uv_prepare_start(&check, [](uv_prepare_t* p) {
            if ((*static_cast<Wait*>(p->data)->done)()) {
                uv_stop(p->loop); // the poll that follows does not block
            }
        });
        if (!done()) {
            uv_run(&loop_, UV_RUN_DEFAULT);
        }
        uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
        uv_close(reinterpret_cast<uv_handle_t*>(&check), nullptr);
        uv_run(&loop_, UV_RUN_NOWAIT); // lets the close callbacks run
        return done();
    }

    /// Runs until no handle is left, then closes the loop: 0 = everything closed.
    int drain_and_close() {
        uv_run(&loop_, UV_RUN_DEFAULT);
        const int rc = uv_loop_close(&loop_);
        closed_ = rc == 0;
        return rc;
    }

private:
    uv_loop_t loop_{};
    bool closed_ = false;
};

} // namespace nb::test
