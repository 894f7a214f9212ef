// A .safetensors file (8-byte header length + JSON header + data): every tensor handed out
// must lie inside the file's data section and match its shape.

#include "fuzz_support.h"
#include "model/dtype.h"
#include "model/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto path = lamina::fuzz::writeInput("model.safetensors", data, size);
    lamina::fuzz::expectOnlyLaminaErrors([&] {
        const auto file = lamina::SafetensorsFile::open(path);
        const auto* dataSection =
            reinterpret_cast<const std::byte*>(file->header().data() + file->header().size());
        const std::size_t dataBytes = file->fileSize() - 8 - file->header().size();
        for (const auto& t : file->tensors()) {
            FUZZ_CHECK(file->find(t.name) == &t);
            FUZZ_CHECK(t.numel() >= 0);
            FUZZ_CHECK(static_cast<uint64_t>(t.numel()) * lamina::dtypeSize(t.dtype) == t.nbytes);
            FUZZ_CHECK(t.data >= dataSection);
            FUZZ_CHECK(static_cast<std::size_t>(t.data - dataSection) + t.nbytes <= dataBytes);
            if (t.nbytes == 0) continue;
            volatile std::byte first = t.data[0];
            volatile std::byte last = t.data[t.nbytes - 1];
            (void)first;
            (void)last;
        }
        FUZZ_CHECK(file->find("no such tensor") == nullptr ||
                   file->find("no such tensor")->name == "no such tensor");
        file->get("no such tensor");  // throws Error unless present
    });
    return 0;
}
