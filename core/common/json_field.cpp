#include "common/json_field.h"

#include <cmath>

#include "common/error.h"
#include "common/mapped_file.h"

namespace lamina {

namespace {

constexpr int kMaxNesting = 256;

std::string shortDump(const nlohmann::json& value) {
    std::string text = value.is_string()
                           ? value.get<std::string>()
                           : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (text.size() > 80) text = text.substr(0, 77) + "...";
    return text;
}

// The DOM parser is iterative but its destructor and our walkers recurse: refuse absurd depth.
void checkNesting(std::string_view text, const std::string& file) {
    int depth = 0;
    bool inString = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                inString = false;
            }
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > kMaxNesting) {
                throw Error(file + ": malformed JSON: nested deeper than " +
                            std::to_string(kMaxNesting) + " levels");
            }
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
}

}  // namespace

JsonField::JsonField(const nlohmann::json& value, const std::string& file, std::string path)
    : mValue(&value), mFile(&file), mPath(std::move(path)) {}

bool JsonField::has(const char* key) const {
    if (!mValue->is_object()) return false;
    const auto it = mValue->find(key);
    return it != mValue->end() && !it->is_null();
}

JsonField JsonField::operator[](const char* key) const {
    requireObject();
    const std::string path = mPath.empty() ? std::string(key) : mPath + "." + key;
    const auto it = mValue->find(key);
    if (it == mValue->end()) JsonField(*mValue, *mFile, path).fail("missing");
    return JsonField(*it, *mFile, path);
}

std::optional<JsonField> JsonField::optional(const char* key) const {
    if (!has(key)) return std::nullopt;
    return (*this)[key];
}

JsonField JsonField::at(std::size_t index) const {
    if (!mValue->is_array() || index >= mValue->size()) fail("expected an array element");
    return JsonField((*mValue)[index], *mFile, mPath + "[" + std::to_string(index) + "]");
}

std::size_t JsonField::arraySize() const {
    if (!mValue->is_array()) fail("expected an array");
    return mValue->size();
}

std::string JsonField::string() const {
    if (!mValue->is_string()) fail("expected a string, got " + shortDump(*mValue));
    return mValue->get<std::string>();
}

bool JsonField::boolean() const {
    if (!mValue->is_boolean()) fail("expected true or false, got " + shortDump(*mValue));
    return mValue->get<bool>();
}

int64_t JsonField::integer() const {
    if (!mValue->is_number_integer()) fail("expected an integer, got " + shortDump(*mValue));
    if (mValue->is_number_unsigned() && mValue->get<uint64_t>() > INT64_MAX) {
        fail("integer out of range");
    }
    return mValue->get<int64_t>();
}

int64_t JsonField::positiveInteger() const {
    const int64_t n = integer();
    if (n <= 0) fail("expected a positive integer, got " + shortDump(*mValue));
    return n;
}

double JsonField::number() const {
    if (!mValue->is_number()) fail("expected a number, got " + shortDump(*mValue));
    const double d = mValue->get<double>();
    if (!std::isfinite(d)) fail("expected a finite number");
    return d;
}

int64_t JsonField::positiveInteger(const char* key, int64_t fallback) const {
    const auto field = optional(key);
    return field ? field->positiveInteger() : fallback;
}

double JsonField::number(const char* key, double fallback) const {
    const auto field = optional(key);
    return field ? field->number() : fallback;
}

std::string JsonField::string(const char* key, const std::string& fallback) const {
    const auto field = optional(key);
    return field ? field->string() : fallback;
}

bool JsonField::boolean(const char* key, bool fallback) const {
    const auto field = optional(key);
    return field ? field->boolean() : fallback;
}

int64_t JsonField::integer(const char* key, int64_t fallback) const {
    const auto field = optional(key);
    return field ? field->integer() : fallback;
}

void JsonField::requireObject() const {
    if (!mValue->is_object()) fail("expected an object, got " + shortDump(*mValue));
}

void JsonField::fail(const std::string& what) const {
    if (mPath.empty()) throw Error(*mFile + ": " + what);
    throw Error(*mFile + ": field '" + mPath + "': " + what);
}

void JsonField::unsupported() const { fail("unsupported value '" + shortDump(*mValue) + "'"); }

nlohmann::json parseJson(std::string_view text, const std::string& source) {
    checkNesting(text, source);
    try {
        return nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::exception& e) {
        throw Error(source + ": malformed JSON: " + e.what());
    }
}

nlohmann::json readJsonFile(const std::filesystem::path& path, std::size_t maxBytes) {
    return parseJson(readTextFile(path, maxBytes), path.string());
}

}  // namespace lamina
