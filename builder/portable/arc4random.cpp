// glibc 2.36 added arc4random and arc4random_buf. Debian 12 builds its libarchive.a and GCC's
// libstdc++.a against glibc 2.36, and both call them where they exist (libarchive for salts and
// temporary names, std::random_device for one of its sources), so a binary linking those archives
// statically would need GLIBC_2.36 and would not start where glibc is 2.35. The portable link
// (portable.cmake) sends their calls here with `ld --wrap`: the same promise (bytes from the
// kernel's generator; the call cannot fail, so a failure ends the process, as glibc's does) kept
// with getrandom(2), which glibc has had since 2.25.
#include <sys/random.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" {
void __wrap_arc4random_buf(void* buffer, std::size_t size);
std::uint32_t __wrap_arc4random();
}

void __wrap_arc4random_buf(void* buffer, std::size_t size) {
    auto* out = static_cast<unsigned char*>(buffer);
    while (size > 0) {
        const ssize_t got = getrandom(out, size, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            std::abort();
        }
        out += got;
        size -= static_cast<std::size_t>(got);
    }
}

std::uint32_t __wrap_arc4random() {
    std::uint32_t value = 0;
    __wrap_arc4random_buf(&value, sizeof value);
    return value;
}
