#include "model/safetensors_writer.h"

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"

namespace lamina {

namespace {

const char* dtypeTag(at::ScalarType t, const std::string& name) {
    switch (t) {
        case at::kFloat:
            return "F32";
        case at::kHalf:
            return "F16";
        case at::kBFloat16:
            return "BF16";
        case at::kLong:
            return "I64";
        default:
            throw Error("safetensors: tensor '" + name + "' has an unsupported dtype");
    }
}

}  // namespace

void writeSafetensors(const std::filesystem::path& path,
                      const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
    nlohmann::json header = nlohmann::json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::vector<at::Tensor> contiguous;
    uint64_t offset = 0;
    for (const auto& [name, tensor] : tensors) {
        at::Tensor t = tensor.contiguous().cpu();
        const uint64_t bytes = t.numel() * t.element_size();
        header[name] = {{"dtype", dtypeTag(t.scalar_type(), name)},
                        {"shape", t.sizes().vec()},
                        {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
        contiguous.push_back(std::move(t));
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');  // align the data section to 8 bytes
    const uint64_t headerLen = text.size();

    AtomicFile out(path);
    out.write(&headerLen, 8);
    out.write(text.data(), text.size());
    for (const at::Tensor& t : contiguous) out.write(t.data_ptr(), t.numel() * t.element_size());
    out.commit();
}

}  // namespace lamina
