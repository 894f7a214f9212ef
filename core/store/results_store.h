#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lamina {

/// Identity and provenance of one stored result. `kind`, `method`, `parameters`,
/// `modelFingerprint` and `datasetFingerprint` form the cache key: a request with the same
/// five values is answered from the file.
struct ResultMeta {
    std::string kind;        ///< "similarity", "importance", "calibration", "trajectory", ...
    std::string method;      ///< e.g. "cka_linear", "bi", "self_generated"
    std::string parameters;  ///< canonical JSON text of every parameter that shaped the result
    std::string modelFingerprint;
    std::string datasetFingerprint;  ///< empty when the result needs no data
    // Filled in by the store when the result is written:
    std::string toolVersion;
    std::string created;  ///< ISO 8601 UTC, e.g. "2026-11-23T04:05:06Z"
    int schemaVersion = 0;

    /// 16 hex digits: a 64-bit hash of the five key fields (the result's group name).
    std::string key() const;
};

/// A float64 array in row-major order.
struct DoubleArray {
    std::vector<int64_t> shape;
    std::vector<double> values;
};

/// An int64 array in row-major order (token ids, indices).
struct IntArray {
    std::vector<int64_t> shape;
    std::vector<int64_t> values;
};

/// One result: metadata plus named arrays, string lists and string attributes.
struct StoredResult {
    ResultMeta meta;
    std::map<std::string, DoubleArray> doubles;               ///< e.g. "matrix", "values"
    std::map<std::string, IntArray> ints;                     ///< e.g. "ids"
    std::map<std::string, std::vector<std::string>> strings;  ///< e.g. "labels"
    std::map<std::string, std::string> attributes;            ///< free-form extras
};

/// The HDF5 results file of one model analysis (layout: docs/results-format.md).
///
/// Crash safety: `put` never modifies the file in place. It copies the file, adds the result
/// to the copy, flushes it to disk and renames it over the original, holding an exclusive
/// lock (`<file>.lock`) meanwhile, so a process killed at any moment leaves the previous
/// version intact and readable and concurrent writers do not lose each other's results.
/// All methods are thread-safe. Errors throw `Error` naming the file.
class ResultsStore {
public:
    /// Highest schema version this build reads and writes.
    static constexpr int kSchemaVersion = 1;

    /// Opens `path`, creating an empty store when it does not exist and `create` is true.
    /// A file written by a newer schema opens read-only (`readOnlyReason()` says why); a file
    /// that is not a readable HDF5 results file throws `Error` ("<file>: not a Lamina results
    /// file: ..." / "corrupt or truncated").
    static std::shared_ptr<ResultsStore> open(const std::filesystem::path& path,
                                              bool create = true);

    ~ResultsStore();
    const std::filesystem::path& path() const;
    bool readOnly() const;
    std::string readOnlyReason() const;  ///< empty when writable
    int fileSchemaVersion() const;

    /// Every result's metadata, in creation order.
    std::vector<ResultMeta> list() const;
    /// The result whose key matches `query.key()`, or nullopt.
    std::optional<StoredResult> find(const ResultMeta& query) const;
    /// Loads by key; throws `Error` when absent.
    StoredResult load(const std::string& key) const;
    /// Adds (or replaces) `result`. Fills toolVersion, created and schemaVersion. Throws
    /// `Error` when read-only or when writing fails (e.g. disk full); the file is then left as
    /// it was before the call. The new version is built in memory (about 2-3 times the file
    /// size while the call runs); a replaced result moves to the end of `list()`.
    void put(StoredResult result);

private:
    struct Impl;
    explicit ResultsStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> mImpl;
};

}  // namespace lamina
