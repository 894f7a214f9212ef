#include "store/global_heap_check.h"

#include <cstdint>
#include <cstring>
#include <string_view>

#include "common/error.h"

namespace lamina::store {

namespace {

// Little-endian unsigned integer of `bytes` (<= 8) bytes.
uint64_t readLe(const char* p, std::size_t bytes) {
    uint64_t v = 0;
    for (std::size_t i = bytes; i-- > 0;) v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
}

// The file's "size of lengths" from its superblock (at 0, 512, 1024, ...); 0 when there is no
// superblock or an unusual size (libhdf5 then refuses the file on its own).
std::size_t lengthSize(std::string_view file) {
    constexpr std::string_view kSignature("\x89HDF\r\n\x1a\n", 8);
    for (std::size_t at = 0; at + 16 <= file.size(); at = at == 0 ? 512 : at * 2) {
        if (file.compare(at, kSignature.size(), kSignature) != 0) continue;
        const auto version = static_cast<unsigned char>(file[at + 8]);
        const auto size = static_cast<unsigned char>(file[at + (version < 2 ? 14 : 10)]);
        return size == 2 || size == 4 || size == 8 ? size : 0;
    }
    return 0;
}

}  // namespace

void checkGlobalHeaps(const char* data, std::size_t size, const std::string& source) {
    const std::string_view file(data, size);
    const std::size_t lengthBytes = lengthSize(file);
    if (lengthBytes == 0) return;
    const std::size_t headerBytes = 8 + lengthBytes;        // "GCOL", version, 3 reserved, size
    const std::size_t objectHeaderBytes = 8 + lengthBytes;  // index, refs, 4 reserved, size
    for (std::size_t at = file.find("GCOL"); at != std::string_view::npos;
         at = file.find("GCOL", at + 1)) {
        if (at + headerBytes > size || file[at + 4] != 1) continue;
        const uint64_t collection = readLe(data + at + 8, lengthBytes);
        // A collection past the end of the file is refused by libhdf5 before parsing.
        if (collection < headerBytes || collection > size - at) continue;
        const auto fail = [&](std::size_t object, const std::string& why) {
            throw Error(source + ": not a readable HDF5 file (corrupt global heap at byte " +
                        std::to_string(at) + ": object at byte " + std::to_string(object) + " " +
                        why + ")");
        };
        // The walk of libhdf5 1.10's H5HG__cache_heap_deserialize, with its missing checks.
        const std::size_t end = at + collection;
        std::size_t p = at + headerBytes;
        while (p < end && end - p >= objectHeaderBytes) {
            const uint64_t index = readLe(data + p, 2);
            const uint64_t objectSize = readLe(data + p + 8, lengthBytes);
            const uint64_t room = end - p;
            if (index == 0) {  // free space: its size covers the rest, header included
                if (objectSize == 0) fail(p, "is free space of size 0");
                if (objectSize > room) fail(p, "runs past the collection's end");
                p += objectSize;
            } else {
                if (objectSize > room - objectHeaderBytes)
                    fail(p, "runs past the collection's end");
                p += objectHeaderBytes + (objectSize + 7) / 8 * 8;
            }
        }
    }
}

}  // namespace lamina::store
