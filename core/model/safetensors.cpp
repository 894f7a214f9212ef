#include "model/safetensors.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "common/error.h"
#include "common/json_field.h"
#include "common/mapped_file.h"

namespace lamina {

int64_t TensorView::numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

namespace {

std::string shapeString(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        s += (i ? "," : "") + std::to_string(shape[i]);
    }
    return s + "]";
}

// product(shape) × elementSize, or nullopt on overflow (hostile headers claim 10^12 elements).
std::optional<uint64_t> byteSize(const std::vector<int64_t>& shape, uint64_t elementSize) {
    uint64_t total = elementSize;
    for (int64_t d : shape) {
        if (__builtin_mul_overflow(total, static_cast<uint64_t>(d), &total)) return std::nullopt;
    }
    return total;
}

}  // namespace

SafetensorsFile::SafetensorsFile(std::shared_ptr<const MappedFile> file) : mFile(std::move(file)) {}

const std::filesystem::path& SafetensorsFile::path() const { return mFile->path(); }
std::size_t SafetensorsFile::fileSize() const { return mFile->size(); }

std::shared_ptr<const SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path) {
    std::shared_ptr<SafetensorsFile> st(new SafetensorsFile(MappedFile::open(path)));
    st->parse();
    return st;
}

void SafetensorsFile::parse() {
    const std::string name = path().string();
    const std::size_t size = mFile->size();
    if (size < 8) {
        throw Error(name + ": truncated: " + std::to_string(size) +
                    " bytes, a safetensors file starts with an 8-byte header length");
    }
    uint64_t headerLen = 0;
    std::memcpy(&headerLen, mFile->data(), 8);  // little-endian on every supported host
    if (headerLen > kMaxHeaderBytes) {
        throw Error(name + ": header length " + std::to_string(headerLen) + " bytes exceeds the " +
                    std::to_string(kMaxHeaderBytes) + "-byte limit");
    }
    if (headerLen > size - 8) {
        throw Error(name + ": header length " + std::to_string(headerLen) +
                    " runs past the end of the file (" + std::to_string(size) +
                    " bytes): truncated or not a safetensors file");
    }
    mHeader = std::string_view(reinterpret_cast<const char*>(mFile->data()) + 8, headerLen);
    const std::byte* dataStart = mFile->data() + 8 + headerLen;
    const uint64_t dataSize = size - 8 - headerLen;

    const nlohmann::json header = parseJson(mHeader, name + " (header)");
    if (!header.is_object()) throw Error(name + ": header must be a JSON object");

    struct Range {
        uint64_t begin, end;
        std::size_t index;
    };
    std::vector<Range> ranges;
    for (const auto& [key, entry] : header.items()) {
        if (key == "__metadata__") {
            if (!entry.is_object()) throw Error(name + ": '__metadata__' must be an object");
            for (const auto& [mk, mv] : entry.items()) {
                if (!mv.is_string()) {
                    throw Error(name + ": '__metadata__." + mk + "' must be a string");
                }
                mMetadata[mk] = mv.get<std::string>();
            }
            continue;
        }
        const std::string where = name + ": tensor '" + key + "'";
        if (!entry.is_object()) throw Error(where + ": entry must be an object");
        const auto dt = entry.find("dtype");
        if (dt == entry.end() || !dt->is_string()) throw Error(where + ": missing 'dtype'");
        const auto dtype = parseDType(dt->get<std::string>());
        if (!dtype) {
            throw Error(where + ": unsupported dtype '" + dt->get<std::string>() +
                        "' (supported: F32, F16, BF16, I64)");
        }
        const auto sh = entry.find("shape");
        if (sh == entry.end() || !sh->is_array()) throw Error(where + ": missing 'shape'");
        if (sh->size() > 8)
            throw Error(where + ": shape has " + std::to_string(sh->size()) +
                        " dimensions, at most 8 are supported");
        std::vector<int64_t> shape;
        for (const auto& d : *sh) {
            if (!d.is_number_unsigned()) {
                throw Error(where + ": shape entries must be non-negative integers");
            }
            const uint64_t v = d.get<uint64_t>();
            if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
                throw Error(where + ": shape entry " + std::to_string(v) + " is too large");
            }
            shape.push_back(static_cast<int64_t>(v));
        }
        const auto off = entry.find("data_offsets");
        if (off == entry.end() || !off->is_array() || off->size() != 2 ||
            !(*off)[0].is_number_unsigned() || !(*off)[1].is_number_unsigned()) {
            throw Error(where + ": 'data_offsets' must be two non-negative integers");
        }
        const uint64_t begin = (*off)[0].get<uint64_t>();
        const uint64_t end = (*off)[1].get<uint64_t>();
        if (begin > end) throw Error(where + ": data_offsets begin > end");
        if (end > dataSize) {
            throw Error(where + ": byte range [" + std::to_string(begin) + "," +
                        std::to_string(end) + ") lies outside the data section (" +
                        std::to_string(dataSize) + " bytes): file truncated or corrupt");
        }
        const auto expected = byteSize(shape, dtypeSize(*dtype));
        if (!expected || *expected != end - begin) {
            throw Error(where + ": shape " + shapeString(shape) + " of " +
                        std::string(dtypeName(*dtype)) + " needs " +
                        (expected ? std::to_string(*expected) : std::string("more than 2^64")) +
                        " bytes, but its data_offsets span " + std::to_string(end - begin));
        }
        TensorView view;
        view.name = key;
        view.dtype = *dtype;
        view.shape = std::move(shape);
        view.data = dataStart + begin;
        view.nbytes = end - begin;
        view.file = &mFile->path();
        if (end > begin) ranges.push_back({begin, end, mTensors.size()});
        mIndex[key] = mTensors.size();
        mTensors.push_back(std::move(view));
    }
    std::sort(ranges.begin(), ranges.end(),
              [](const Range& a, const Range& b) { return a.begin < b.begin; });
    for (std::size_t i = 1; i < ranges.size(); ++i) {
        if (ranges[i].begin < ranges[i - 1].end) {
            throw Error(name + ": tensor '" + mTensors[ranges[i].index].name +
                        "' overlaps tensor '" + mTensors[ranges[i - 1].index].name + "'");
        }
    }
}

const TensorView* SafetensorsFile::find(std::string_view name) const {
    auto it = mIndex.find(name);
    return it == mIndex.end() ? nullptr : &mTensors[it->second];
}

const TensorView& SafetensorsFile::get(std::string_view name) const {
    if (const TensorView* t = find(name)) return *t;
    throw Error(path().string() + ": tensor '" + std::string(name) + "' not found");
}

}  // namespace lamina
