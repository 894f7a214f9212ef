#include "model/gguf_writer.h"

#include <cstring>

#include "common/atomic_file.h"
#include "common/error.h"

namespace lamina {

namespace {

// The header and metadata as bytes, little-endian like every platform Lamina runs on.
class ByteBuffer {
public:
    template <typename T>
    void put(T v) {
        const auto* p = reinterpret_cast<const uint8_t*>(&v);
        mBytes.insert(mBytes.end(), p, p + sizeof v);
    }
    void putString(const std::string& s) {
        put<uint64_t>(s.size());
        mBytes.insert(mBytes.end(), s.begin(), s.end());
    }
    void putType(GgufValueType t) { put(static_cast<uint32_t>(t)); }
    void padTo(uint64_t alignment) {
        mBytes.resize((mBytes.size() + alignment - 1) / alignment * alignment, 0);
    }
    const std::vector<uint8_t>& bytes() const { return mBytes; }

private:
    std::vector<uint8_t> mBytes;
};

template <typename T>
void putArray(ByteBuffer& b, GgufValueType element, const std::vector<T>& values) {
    b.putType(GgufValueType::Array);
    b.putType(element);
    b.put<uint64_t>(values.size());
    for (const T& v : values) {
        if constexpr (std::is_same_v<T, std::string>) {
            b.putString(v);
        } else {
            b.put(v);
        }
    }
}

void putValue(ByteBuffer& b, const GgufValue& value) {
    struct Visitor {
        ByteBuffer& b;
        void operator()(uint32_t v) { b.putType(GgufValueType::Uint32); b.put(v); }
        void operator()(int32_t v) { b.putType(GgufValueType::Int32); b.put(v); }
        void operator()(uint64_t v) { b.putType(GgufValueType::Uint64); b.put(v); }
        void operator()(float v) { b.putType(GgufValueType::Float32); b.put(v); }
        void operator()(bool v) { b.putType(GgufValueType::Bool); b.put<uint8_t>(v ? 1 : 0); }
        void operator()(const std::string& v) { b.putType(GgufValueType::String); b.putString(v); }
        void operator()(const std::vector<int32_t>& v) { putArray(b, GgufValueType::Int32, v); }
        void operator()(const std::vector<float>& v) { putArray(b, GgufValueType::Float32, v); }
        void operator()(const std::vector<std::string>& v) {
            putArray(b, GgufValueType::String, v);
        }
    };
    std::visit(Visitor{b}, value);
}

uint64_t aligned(uint64_t n) { return (n + kGgufAlignment - 1) / kGgufAlignment * kGgufAlignment; }

}  // namespace

uint64_t GgufWriter::Tensor::bytes() const {
    uint64_t n = 1;
    for (int64_t s : shape) n *= static_cast<uint64_t>(s);
    return tensorBytes(type, n);
}

void GgufWriter::set(const std::string& key, GgufValue value) {
    for (auto& [k, v] : mValues) {
        if (k == key) {
            v = std::move(value);
            return;
        }
    }
    mValues.emplace_back(key, std::move(value));
}

void GgufWriter::addTensor(std::string name, std::vector<int64_t> shape, GgufTensorType type,
                           std::function<Bytes()> data) {
    if (shape.empty() || !tensorRowFits(type, shape.back())) {
        throw Error("gguf: tensor '" + name + "' cannot be stored as " + tensorTypeName(type));
    }
    mTensors.push_back({std::move(name), std::move(shape), type, std::move(data)});
}

void GgufWriter::write(const std::filesystem::path& path, const ProgressFn& progress) const {
    ByteBuffer header;
    header.put<uint32_t>(0x46554747);  // "GGUF"
    header.put<uint32_t>(kGgufVersion);
    header.put<uint64_t>(mTensors.size());
    header.put<uint64_t>(mValues.size());
    for (const auto& [key, value] : mValues) {
        header.putString(key);
        putValue(header, value);
    }
    uint64_t offset = 0;
    for (const Tensor& t : mTensors) {
        header.putString(t.name);
        header.put<uint32_t>(static_cast<uint32_t>(t.shape.size()));
        for (auto it = t.shape.rbegin(); it != t.shape.rend(); ++it) {
            header.put<uint64_t>(static_cast<uint64_t>(*it));
        }
        header.put(static_cast<uint32_t>(t.type));
        header.put<uint64_t>(offset);
        offset = aligned(offset + t.bytes());
    }
    header.padTo(kGgufAlignment);

    AtomicFile out(path);
    out.write(header.bytes().data(), header.bytes().size());
    const auto total = static_cast<int64_t>(mTensors.size());
    reportProgress(progress, 0, total);
    const std::vector<uint8_t> zeros(kGgufAlignment, 0);
    for (std::size_t i = 0; i < mTensors.size(); ++i) {
        const Tensor& t = mTensors[i];
        const Bytes data = t.data();
        if (data.size() != t.bytes()) {
            throw Error(path.string() + ": tensor '" + t.name + "' produced " +
                        std::to_string(data.size()) + " bytes, expected " +
                        std::to_string(t.bytes()));
        }
        out.write(data.data(), data.size());
        out.write(zeros.data(), aligned(data.size()) - data.size());
        reportProgress(progress, static_cast<int64_t>(i + 1), total);
    }
    out.commit();
}

}  // namespace lamina
