#pragma once
// One RAII owner per libuv handle (the cmUVHandlePtr / uvw pattern). The handle
// lives on the heap because libuv closes asynchronously: reset() calls uv_close(),
// and the close callback frees the memory on a later loop iteration, after the
// owner may be gone. The owner must be reset (or destroyed) before the loop is
// closed, and the loop must run once more so the close callbacks fire.
// Thread-safety: the loop thread only.

#include <uv.h>

#include <new>
#include <utility>

namespace nb::dbus {

template <class Handle>
class UvHandle {
public:
    UvHandle() = default;
    ~UvHandle() { reset(); }
    UvHandle(UvHandle&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    UvHandle& operator=(UvHandle&& other) noexcept {
        if (this != &other) {
            reset();
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }
    UvHandle(const UvHandle&) = delete;
    UvHandle& operator=(const UvHandle&) = delete;

    /// Allocates the handle and runs `init(loop, handle)` (uv_timer_init etc.);
    /// `data` becomes handle->data for the callbacks. Returns the libuv error (<0)
    /// and owns nothing if init failed.
    template <class Init>
    int init(uv_loop_t* loop, void* data, Init&& init_fn) noexcept {
        reset();
        auto* h = new (std::nothrow) Handle{};
        if (h == nullptr) {
            return UV_ENOMEM;
        }
        const int rc = std::forward<Init>(init_fn)(loop, h);
        if (rc < 0) {
            delete h; // never initialised: nothing for uv_close to do
            return rc;
        }
        h->data = data;
        handle_ = h;
        return 0;
    }

    /// Starts closing the handle; its callbacks will not run again (data is cleared).
    void reset() noexcept {
        if (handle_ == nullptr) {
            return;
        }
        auto* base = reinterpret_cast<uv_handle_t*>(std::exchange(handle_, nullptr));
        base->data = nullptr;
        uv_close(base,
                 [](uv_handle_t* closed) noexcept { delete reinterpret_cast<Handle*>(closed); });
    }

    [[nodiscard]] Handle* get() const noexcept { return handle_; }
    explicit operator bool() const noexcept { return handle_ != nullptr; }

private:
    Handle* handle_ = nullptr;
};

} // namespace nb::dbus
