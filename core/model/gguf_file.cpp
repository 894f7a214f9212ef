#include "model/gguf_file.h"

#include <cstring>
#include <fstream>

#include "common/error.h"

namespace lamina {

namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" little-endian
constexpr uint32_t kMaxDims = 4;

}  // namespace

// Reads the header front to back; every read is checked against the mapping's end.
class GgufParser {
public:
    explicit GgufParser(GgufFile& file) : mFile(file), mMap(*file.mMapping) {}

    void parse() {
        if (mMap.size() < 24 || read<uint32_t>("magic") != kMagic) fail("magic", "not a GGUF file");
        const uint32_t version = read<uint32_t>("version");
        if (version != 2 && version != 3) {
            fail("version", "GGUF version " + std::to_string(version) + " (expected 2 or 3)");
        }
        const uint64_t tensorCount = read<uint64_t>("tensor_count");
        const uint64_t kvCount = read<uint64_t>("metadata_kv_count");
        // Each entry takes at least 8 (key) + 4 (type) bytes; each tensor info 8 + 4 + 8 + 4 + 8.
        bounded(kvCount, 12, "metadata_kv_count");
        bounded(tensorCount, 32, "tensor_count");
        for (uint64_t i = 0; i < kvCount; ++i) {
            std::string key = readString("metadata key");
            const auto type = read<uint32_t>(key + " type");
            GgufMetaValue v = readValue(type, key);
            if (!mFile.mValues.emplace(key, std::move(v)).second) fail(key, "duplicate key");
        }
        uint64_t alignment = kGgufAlignment;
        if (const GgufMetaValue* a = mFile.find("general.alignment")) {
            alignment = static_cast<uint64_t>(a->number);
            if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > 1u << 20) {
                fail("general.alignment", "not a power of two: " + std::to_string(alignment));
            }
        }
        for (uint64_t i = 0; i < tensorCount; ++i) mFile.mTensors.push_back(readTensorInfo());
        const uint64_t dataStart = (mPos + alignment - 1) / alignment * alignment;
        for (std::size_t i = 0; i < mFile.mTensors.size(); ++i) {
            GgufTensorInfo& t = mFile.mTensors[i];
            if (t.offset % alignment != 0) fail(t.name, "offset " + std::to_string(t.offset) + " is not aligned");
            if (t.offset > mMap.size() || dataStart > mMap.size() - t.offset ||
                t.bytes > mMap.size() - dataStart - t.offset) {
                fail(t.name, "data (offset " + std::to_string(t.offset) + ", " +
                                 std::to_string(t.bytes) + " bytes) runs past the end of the file (" +
                                 std::to_string(mMap.size()) + " bytes)");
            }
            t.offset += dataStart;
            if (!mFile.mTensorIndex.emplace(t.name, i).second) fail(t.name, "duplicate tensor");
        }
    }

private:
    [[noreturn]] void fail(const std::string& field, const std::string& what) const {
        throw Error(mMap.path().string() + ": field '" + field + "': " + what + " (at byte " +
                    std::to_string(mPos) + ")");
    }
    void bounded(uint64_t count, uint64_t minBytes, const std::string& field) const {
        if (count > (mMap.size() - mPos) / minBytes) {
            fail(field, std::to_string(count) + " entries cannot fit in the file");
        }
    }
    template <typename T>
    T read(const std::string& field) {
        if (sizeof(T) > mMap.size() - mPos) fail(field, "the file ends inside it (truncated)");
        T v;
        std::memcpy(&v, mMap.data() + mPos, sizeof(T));
        mPos += sizeof(T);
        return v;
    }
    std::string readString(const std::string& field) {
        const auto n = read<uint64_t>(field);
        if (n > mMap.size() - mPos) fail(field, "a string of " + std::to_string(n) + " bytes runs past the end");
        std::string s(reinterpret_cast<const char*>(mMap.data() + mPos), n);
        mPos += n;
        return s;
    }
    double readNumber(uint32_t type, const std::string& field) {
        switch (static_cast<GgufValueType>(type)) {
            case GgufValueType::Uint8: return read<uint8_t>(field);
            case GgufValueType::Int8: return read<int8_t>(field);
            case GgufValueType::Uint16: return read<uint16_t>(field);
            case GgufValueType::Int16: return read<int16_t>(field);
            case GgufValueType::Uint32: return read<uint32_t>(field);
            case GgufValueType::Int32: return read<int32_t>(field);
            case GgufValueType::Float32: return read<float>(field);
            case GgufValueType::Bool: return read<uint8_t>(field) != 0 ? 1 : 0;
            case GgufValueType::Uint64: return static_cast<double>(read<uint64_t>(field));
            case GgufValueType::Int64: return static_cast<double>(read<int64_t>(field));
            case GgufValueType::Float64: return read<double>(field);
            default: fail(field, "unknown value type " + std::to_string(type));
        }
    }
    GgufMetaValue readValue(uint32_t type, const std::string& key) {
        GgufMetaValue v;
        v.type = static_cast<GgufValueType>(type);
        if (v.type == GgufValueType::String) {
            v.text = readString(key);
        } else if (v.type == GgufValueType::Array) {
            const auto element = read<uint32_t>(key + " element type");
            v.elementType = static_cast<GgufValueType>(element);
            const auto n = read<uint64_t>(key + " length");
            if (v.elementType == GgufValueType::Array) fail(key, "nested arrays are not supported");
            bounded(n, v.elementType == GgufValueType::String ? 8 : 1, key);
            for (uint64_t i = 0; i < n; ++i) {
                if (v.elementType == GgufValueType::String) {
                    v.texts.push_back(readString(key));
                } else {
                    v.numbers.push_back(readNumber(element, key));
                }
            }
        } else {
            v.number = readNumber(type, key);
        }
        return v;
    }
    GgufTensorInfo readTensorInfo() {
        GgufTensorInfo t;
        t.name = readString("tensor name");
        const auto dims = read<uint32_t>(t.name + " n_dimensions");
        if (dims == 0 || dims > kMaxDims) fail(t.name, std::to_string(dims) + " dimensions");
        uint64_t numel = 1;
        for (uint32_t d = 0; d < dims; ++d) {
            const auto n = read<uint64_t>(t.name + " dimension");
            if (n == 0 || n > (uint64_t{1} << 40) || numel > (uint64_t{1} << 48) / n) {
                fail(t.name, "dimension " + std::to_string(n) + " is out of range");
            }
            numel *= n;
            t.shape.insert(t.shape.begin(), static_cast<int64_t>(n));
        }
        const auto type = read<uint32_t>(t.name + " type");
        const auto known = tensorTypeFromId(type);
        if (!known) fail(t.name, "tensor type " + std::to_string(type) + " is not supported (f32, f16, bf16, q8_0)");
        t.type = *known;
        if (!tensorRowFits(t.type, t.shape.back())) fail(t.name, "rows do not fit " + tensorTypeName(t.type));
        t.offset = read<uint64_t>(t.name + " offset");
        t.bytes = tensorBytes(t.type, numel);
        return t;
    }

    GgufFile& mFile;
    const MappedFile& mMap;
    std::size_t mPos = 0;
};

int64_t GgufTensorInfo::numel() const {
    int64_t n = 1;
    for (int64_t s : shape) n *= s;
    return n;
}

std::shared_ptr<const GgufFile> GgufFile::open(const std::filesystem::path& path) {
    auto file = std::shared_ptr<GgufFile>(new GgufFile());
    file->mMapping = MappedFile::open(path);
    GgufParser(*file).parse();
    return file;
}

const GgufMetaValue* GgufFile::find(const std::string& key) const {
    const auto it = mValues.find(key);
    return it == mValues.end() ? nullptr : &it->second;
}

std::optional<double> GgufFile::numberOr(const std::string& key) const {
    const GgufMetaValue* v = find(key);
    if (v == nullptr) return std::nullopt;
    if (v->type == GgufValueType::String || v->type == GgufValueType::Array) {
        throw Error(path().string() + ": field '" + key + "': expected a number");
    }
    return v->number;
}

double GgufFile::number(const std::string& key) const {
    const auto v = numberOr(key);
    if (!v) throw Error(path().string() + ": field '" + key + "' is missing");
    return *v;
}

std::string GgufFile::text(const std::string& key) const {
    const GgufMetaValue* v = find(key);
    if (v == nullptr) return {};
    if (v->type != GgufValueType::String) {
        throw Error(path().string() + ": field '" + key + "': expected a string");
    }
    return v->text;
}

std::vector<int64_t> GgufFile::perLayer(const std::string& key, int64_t n) const {
    const GgufMetaValue* v = find(key);
    if (v == nullptr) throw Error(path().string() + ": field '" + key + "' is missing");
    if (v->type != GgufValueType::Array) return std::vector<int64_t>(static_cast<std::size_t>(n), static_cast<int64_t>(number(key)));
    if (static_cast<int64_t>(v->numbers.size()) != n) {
        throw Error(path().string() + ": field '" + key + "': " + std::to_string(v->numbers.size()) +
                    " entries for " + std::to_string(n) + " blocks");
    }
    std::vector<int64_t> out;
    for (const double x : v->numbers) out.push_back(static_cast<int64_t>(x));
    return out;
}

const GgufTensorInfo* GgufFile::tensor(const std::string& name) const {
    const auto it = mTensorIndex.find(name);
    return it == mTensorIndex.end() ? nullptr : &mTensors[it->second];
}

bool GgufFile::allZero(const GgufTensorInfo& t) const {
    const std::byte* p = data(t);
    for (uint64_t i = 0; i < t.bytes; ++i) {
        if (p[i] != std::byte{0}) return false;
    }
    return true;
}

bool probeGguf(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    uint32_t magic = 0;
    in.read(reinterpret_cast<char*>(&magic), 4);
    return in && magic == kMagic;
}

}  // namespace lamina
