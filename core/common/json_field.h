#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace lamina {

/// A value inside a JSON document plus its path, so that every complaint names the file and
/// the field: "config.json: field 'rope_scaling.rope_type': unsupported value 'yarn'".
/// Holds references: the document and the file name must outlive it.
class JsonField {
public:
    JsonField(const nlohmann::json& value, const std::string& file, std::string path = "");

    const nlohmann::json& value() const { return *mValue; }
    const std::string& path() const { return mPath; }
    const std::string& file() const { return *mFile; }
    bool isNull() const { return mValue->is_null(); }

    /// Present and not null.
    bool has(const char* key) const;
    /// The member `key`; throws when it is missing.
    JsonField operator[](const char* key) const;
    /// The member `key`, or nothing when it is missing or null.
    std::optional<JsonField> optional(const char* key) const;
    /// Element `index` of an array.
    JsonField at(std::size_t index) const;
    /// Number of elements of an array; throws when not an array.
    std::size_t arraySize() const;

    std::string string() const;
    bool boolean() const;
    int64_t integer() const;
    int64_t positiveInteger() const;
    double number() const;  ///< any finite JSON number
    std::string string(const char* key, const std::string& fallback) const;
    bool boolean(const char* key, bool fallback) const;
    int64_t integer(const char* key, int64_t fallback) const;
    int64_t positiveInteger(const char* key, int64_t fallback) const;
    double number(const char* key, double fallback) const;

    void requireObject() const;

    [[noreturn]] void fail(const std::string& what) const;
    [[noreturn]] void unsupported() const;

private:
    const nlohmann::json* mValue;
    const std::string* mFile;
    std::string mPath;
};

/// Parses a whole document; throws `Error` naming `source` when it is malformed or nested
/// unreasonably deep.
nlohmann::json parseJson(std::string_view text, const std::string& source);

/// Reads (size-limited) and parses a JSON file; errors name the file.
nlohmann::json readJsonFile(const std::filesystem::path& path, std::size_t maxBytes = 64u << 20);

}  // namespace lamina
