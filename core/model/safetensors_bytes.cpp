#include "model/safetensors_bytes.h"

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

namespace lamina {

void writeSafetensorsBytes(const std::filesystem::path& path, const std::vector<TensorBytes>& tensors,
                           const std::map<std::string, std::string>& metadata) {
    nlohmann::json header = nlohmann::json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    uint64_t offset = 0;
    for (const TensorBytes& t : tensors) {
        header[t.name] = {{"dtype", std::string(dtypeName(t.dtype))},
                          {"shape", t.shape},
                          {"data_offsets", {offset, offset + t.nbytes}}};
        offset += t.nbytes;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');  // align the data section to 8 bytes
    const uint64_t headerLen = text.size();

    AtomicFile out(path);
    out.write(&headerLen, 8);
    out.write(text.data(), text.size());
    for (const TensorBytes& t : tensors) out.write(t.data, t.nbytes);
    out.commit();
}

}  // namespace lamina
