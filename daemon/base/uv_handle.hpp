#pragma once
// One RAII owner per libuv handle, in the style of CMake's cmUVHandlePtr and uvw:
// the handle lives on the heap because libuv needs it until the close callback
// runs, which is after the owner is gone. Closing is explicit (close()) or done
// by the destructor, and always asynchronous: the loop must run once more before
// uv_loop_close() can succeed.
// Thread-safety: the loop thread only.

#include <uv.h>

#include <new>
#include <utility>

namespace nb::daemon {

template <class T>
class UvHandle {
public:
    UvHandle() noexcept = default;
    ~UvHandle() { close(); }
    UvHandle(UvHandle&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    UvHandle& operator=(UvHandle&& other) noexcept {
        if (this != &other) {
            close();
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }
    UvHandle(const UvHandle&) = delete;
    UvHandle& operator=(const UvHandle&) = delete;

    /// Closes what was owned, allocates a handle and runs init_fn(loop, handle,
    /// args...) (uv_timer_init, uv_poll_init, ...) on it; data is set to `data`
    /// for the callbacks. Returns libuv's error code (0 on success, UV_ENOMEM
    /// when the allocation fails); on error nothing is owned.
    template <class InitFn, class... Args>
    int init(InitFn init_fn, uv_loop_t* loop, void* data, Args&&... args) noexcept {
        close();
        auto* fresh = new (std::nothrow) T{};
        if (fresh == nullptr) {
            return UV_ENOMEM;
        }
        const int rc = init_fn(loop, fresh, std::forward<Args>(args)...);
        if (rc != 0) {
            delete fresh; // libuv did not register a handle that failed to init
            return rc;
        }
        fresh->data = data;
        handle_ = fresh;
        return 0;
    }

    [[nodiscard]] T* get() const noexcept { return handle_; }
    [[nodiscard]] uv_handle_t* base() const noexcept {
        return reinterpret_cast<uv_handle_t*>(handle_);
    }
    explicit operator bool() const noexcept { return handle_ != nullptr; }

    /// Starts closing the handle; libuv frees it from the close callback. No
    /// callback of the handle runs after this (data is cleared). Idempotent.
    void close() noexcept {
        if (handle_ == nullptr) {
            return;
        }
        uv_handle_t* handle = base();
        handle_ = nullptr;
        handle->data = nullptr;
        uv_close(handle, [](uv_handle_t* closed) noexcept { delete reinterpret_cast<T*>(closed); });
    }

private:
    T* handle_ = nullptr;
};

} // namespace nb::daemon
