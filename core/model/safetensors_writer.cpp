#include "model/safetensors_writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

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

// RAII FILE* that removes the temporary file unless committed.
class TempFile {
public:
    explicit TempFile(std::filesystem::path path) : mPath(std::move(path)) {
        mFile = std::fopen(mPath.c_str(), "wb");
        if (mFile == nullptr) fail("cannot create");
    }
    ~TempFile() {
        if (mFile != nullptr) std::fclose(mFile);
        if (!mCommitted) std::remove(mPath.c_str());
    }
    void write(const void* data, std::size_t n) {
        if (n > 0 && std::fwrite(data, 1, n, mFile) != n) fail("write failed");
    }
    void commit(const std::filesystem::path& target) {
        if (std::fflush(mFile) != 0) fail("write failed");
        const int rc = std::fclose(mFile);
        mFile = nullptr;
        if (rc != 0) fail("write failed");
        if (std::rename(mPath.c_str(), target.c_str()) != 0) fail("cannot rename into place");
        mCommitted = true;
    }

private:
    [[noreturn]] void fail(const char* what) {
        throw Error(mPath.string() + ": " + what + ": " + std::strerror(errno));
    }
    std::filesystem::path mPath;
    std::FILE* mFile = nullptr;
    bool mCommitted = false;
};

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

    TempFile out(path.string() + ".tmp");
    out.write(&headerLen, 8);
    out.write(text.data(), text.size());
    for (const at::Tensor& t : contiguous) out.write(t.data_ptr(), t.numel() * t.element_size());
    out.commit(path);
}

}  // namespace lamina
