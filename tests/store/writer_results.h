#pragma once

// The results written by store_writer: a deterministic function of the index `i`, so a test
// can check bit for bit what a killed writer left behind.

#include <cstdint>
#include <cstring>
#include <string>

#include "store/results_store.h"

namespace lamina::test {

inline uint64_t splitMix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/// The key fields of result `i`.
inline ResultMeta writerMeta(int i) {
    ResultMeta meta;
    meta.kind = i % 2 == 0 ? "importance" : "similarity";
    meta.method = "writer";
    meta.parameters = "{\"i\":" + std::to_string(i) + "}";
    meta.modelFingerprint = "model-fp";
    meta.datasetFingerprint = "data-fp";
    return meta;
}

/// Result `i`: `arrays` float64 arrays of `length` values (24-bit fractions, so deflate has
/// something to do), an int array, non-ASCII strings and an attribute.
inline StoredResult writerResult(int i, int arrays = 3, int length = 100000) {
    StoredResult r;
    r.meta = writerMeta(i);
    for (int a = 0; a < arrays; ++a) {
        DoubleArray& d = r.doubles["array" + std::to_string(a)];
        d.shape = {length};
        d.values.resize(static_cast<size_t>(length));
        for (int j = 0; j < length; ++j) {
            const uint64_t h = splitMix((uint64_t(i) << 40) ^ (uint64_t(a) << 32) ^ uint64_t(j));
            d.values[static_cast<size_t>(j)] = static_cast<double>(h >> 40) / 1024.0 - 8192.0;
        }
    }
    r.ints["ids"] = IntArray{{2, 2}, {i, -i, int64_t(i) << 33, 7}};
    r.strings["labels"] = {"result " + std::to_string(i),
                           "Schicht \xc3\xbc \xe2\x86\x92 \xe5\xb1\x82"};
    r.attributes["index"] = std::to_string(i);
    return r;
}

/// Empty when `actual` holds exactly `expected`'s key fields, arrays (doubles compared bit for
/// bit), strings and attributes; otherwise the first difference.
inline std::string resultDifference(const StoredResult& expected, const StoredResult& actual) {
    const ResultMeta& e = expected.meta;
    const ResultMeta& a = actual.meta;
    if (e.kind != a.kind || e.method != a.method || e.parameters != a.parameters ||
        e.modelFingerprint != a.modelFingerprint || e.datasetFingerprint != a.datasetFingerprint)
        return "metadata differs for " + e.key();
    if (expected.doubles.size() != actual.doubles.size()) return "number of double arrays";
    for (const auto& [name, array] : expected.doubles) {
        const auto it = actual.doubles.find(name);
        if (it == actual.doubles.end()) return "missing double array " + name;
        if (it->second.shape != array.shape) return "shape of " + name;
        if (it->second.values.size() != array.values.size() ||
            (!array.values.empty() && std::memcmp(it->second.values.data(), array.values.data(),
                                                  array.values.size() * sizeof(double)) != 0))
            return "values of " + name;
    }
    if (expected.ints.size() != actual.ints.size()) return "number of int arrays";
    for (const auto& [name, array] : expected.ints) {
        const auto it = actual.ints.find(name);
        if (it == actual.ints.end()) return "missing int array " + name;
        if (it->second.shape != array.shape || it->second.values != array.values)
            return "int array " + name;
    }
    if (expected.strings != actual.strings) return "strings";
    if (expected.attributes != actual.attributes) return "attributes";
    return {};
}

}  // namespace lamina::test
