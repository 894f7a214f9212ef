#pragma once

// A GGUF v3 reader for tests, written from the specification (ggml's docs/gguf.md) and
// nothing else: it shares no code or constants with core's writer, and checks every rule a
// file must follow (magic, version, value types, 32-byte alignment of the data section and of
// every tensor, sizes within the file, zero padding). Throws std::runtime_error on a violation.

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace lamina::test {

struct GgufSpecValue {
    uint32_t type = 0;         // the spec's gguf_metadata_value_type
    uint32_t elementType = 0;  // arrays
    std::string text;          // STRING
    double number = 0;         // integer, float and bool types
    std::vector<std::string> texts;
    std::vector<double> numbers;
};

struct GgufSpecTensor {
    std::string name;
    std::vector<uint64_t> dims;  // ne[0] first: the innermost (contiguous) dimension
    uint32_t type = 0;           // ggml_type: 0 F32, 1 F16, 8 Q8_0, 30 BF16
    uint64_t offset = 0;         // from the start of the data section
    uint64_t bytes = 0;
};

class GgufSpecFile {
public:
    explicit GgufSpecFile(const std::filesystem::path& path) {
        std::ifstream in(path, std::ios::binary);
        mBytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        if (read<uint32_t>() != 0x46554747u) fail("magic is not GGUF");
        version = read<uint32_t>();
        if (version != 3) fail("version is not 3");
        const uint64_t tensorCount = read<uint64_t>();
        const uint64_t kvCount = read<uint64_t>();
        for (uint64_t i = 0; i < kvCount; ++i) {
            const std::string key = readString();
            if (values.count(key) != 0) fail("duplicate key " + key);
            keys.push_back(key);
            values[key] = readValue(read<uint32_t>());
        }
        if (values.count("general.alignment") != 0) {
            alignment = static_cast<uint64_t>(values["general.alignment"].number);
        }
        for (uint64_t i = 0; i < tensorCount; ++i) tensors.push_back(readTensorInfo());
        dataStart = (mPos + alignment - 1) / alignment * alignment;
        for (std::size_t p = mPos; p < dataStart; ++p) {
            if (mBytes.at(p) != 0) fail("non-zero padding before the data section");
        }
        checkTensorPlacement();
    }

    const GgufSpecTensor& tensor(const std::string& name) const {
        for (const auto& t : tensors) {
            if (t.name == name) return t;
        }
        throw std::runtime_error("no tensor " + name);
    }
    bool hasTensor(const std::string& name) const {
        for (const auto& t : tensors) {
            if (t.name == name) return true;
        }
        return false;
    }
    const uint8_t* data(const GgufSpecTensor& t) const {
        return reinterpret_cast<const uint8_t*>(mBytes.data()) + dataStart + t.offset;
    }
    std::vector<uint8_t> bytesOf(const GgufSpecTensor& t) const {
        return {data(t), data(t) + t.bytes};
    }

    uint32_t version = 0;
    uint64_t alignment = 32;
    uint64_t dataStart = 0;
    std::vector<std::string> keys;  // in file order
    std::map<std::string, GgufSpecValue> values;
    std::vector<GgufSpecTensor> tensors;  // in file order

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw std::runtime_error("gguf spec: " + what + " (byte " + std::to_string(mPos) + ")");
    }
    template <typename T>
    T read() {
        if (mPos + sizeof(T) > mBytes.size()) fail("truncated");
        T v;
        std::memcpy(&v, mBytes.data() + mPos, sizeof(T));
        mPos += sizeof(T);
        return v;
    }
    std::string readString() {
        const uint64_t n = read<uint64_t>();
        if (n > mBytes.size() - mPos) fail("string runs past the end");
        std::string s(mBytes.data() + mPos, n);
        mPos += n;
        return s;
    }
    double readNumber(uint32_t type) {
        switch (type) {
            case 0: return read<uint8_t>();
            case 1: return read<int8_t>();
            case 2: return read<uint16_t>();
            case 3: return read<int16_t>();
            case 4: return read<uint32_t>();
            case 5: return read<int32_t>();
            case 6: return read<float>();
            case 7: {
                const uint8_t b = read<uint8_t>();
                if (b > 1) fail("bool is neither 0 nor 1");
                return b;
            }
            case 10: return static_cast<double>(read<uint64_t>());
            case 11: return static_cast<double>(read<int64_t>());
            case 12: return read<double>();
            default: fail("unknown value type " + std::to_string(type));
        }
    }
    GgufSpecValue readValue(uint32_t type) {
        GgufSpecValue v;
        v.type = type;
        if (type == 8) {
            v.text = readString();
        } else if (type == 9) {
            v.elementType = read<uint32_t>();
            const uint64_t n = read<uint64_t>();
            if (n > mBytes.size()) fail("array longer than the file");
            for (uint64_t i = 0; i < n; ++i) {
                if (v.elementType == 8) {
                    v.texts.push_back(readString());
                } else if (v.elementType == 9) {
                    fail("nested arrays are not used by llama.cpp's keys");
                } else {
                    v.numbers.push_back(readNumber(v.elementType));
                }
            }
        } else {
            v.number = readNumber(type);
        }
        return v;
    }
    GgufSpecTensor readTensorInfo() {
        GgufSpecTensor t;
        t.name = readString();
        if (t.name.size() > 64) fail("tensor name longer than 64 bytes");
        const uint32_t nDims = read<uint32_t>();
        if (nDims == 0 || nDims > 4) fail("tensor with " + std::to_string(nDims) + " dims");
        uint64_t elements = 1;
        for (uint32_t d = 0; d < nDims; ++d) {
            t.dims.push_back(read<uint64_t>());
            elements *= t.dims.back();
        }
        t.type = read<uint32_t>();
        t.offset = read<uint64_t>();
        if (t.offset % alignment != 0) fail("tensor " + t.name + " is not aligned");
        switch (t.type) {
            case 0: t.bytes = elements * 4; break;
            case 1:
            case 30: t.bytes = elements * 2; break;
            case 8:
                if (t.dims[0] % 32 != 0) fail("q8_0 row not a multiple of 32: " + t.name);
                t.bytes = elements / 32 * 34;  // blocks of an f16 scale and 32 int8
                break;
            default: fail("tensor type " + std::to_string(t.type));
        }
        return t;
    }
    void checkTensorPlacement() const {
        std::map<uint64_t, const GgufSpecTensor*> byOffset;
        for (const auto& t : tensors) byOffset[t.offset] = &t;
        if (byOffset.size() != tensors.size()) fail("two tensors at one offset");
        uint64_t end = 0;
        for (const auto& [offset, t] : byOffset) {
            if (offset < end) fail("tensor " + t->name + " overlaps the previous one");
            end = offset + t->bytes;
        }
        if (dataStart + end > mBytes.size()) fail("tensor data runs past the end of the file");
    }

    std::vector<char> mBytes;
    std::size_t mPos = 0;
};

}  // namespace lamina::test
