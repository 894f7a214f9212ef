#include "model/fingerprint.h"

#include <algorithm>

#include "common/fnv_hash.h"
#include "common/mapped_file.h"
#include "model/checkpoint.h"

namespace lamina {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kSamples = 16;
constexpr std::size_t kSampleBytes = 4096;

void hashSamples(Fnv1a& h, const MappedFile& file) {
    const std::size_t size = file.size();
    h.field(static_cast<int64_t>(size));
    const auto* data = reinterpret_cast<const char*>(file.data());
    for (std::size_t i = 0; i < kSamples && size > 0; ++i) {
        const std::size_t begin = size <= kSampleBytes ? 0 : (size - kSampleBytes) * i / (kSamples - 1);
        h.update(std::string_view(data + begin, std::min(kSampleBytes, size - begin)));
    }
}

}  // namespace

std::string modelFingerprint(const fs::path& path) {
    Fnv1a h;
    if (fs::is_directory(path)) {
        h.field("hf").field(readTextFile(path / "config.json", 16u << 20));
        const Checkpoint ck = Checkpoint::open(path);
        std::vector<std::shared_ptr<const SafetensorsFile>> files = ck.files();
        std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
            return a->path().filename() < b->path().filename();
        });
        for (const auto& f : files) {
            h.field(f->path().filename().string()).field(f->header());
            hashSamples(h, *MappedFile::open(f->path()));
        }
    } else {
        h.field("file");
        hashSamples(h, *MappedFile::open(path));
    }
    return h.hex();
}

}  // namespace lamina
