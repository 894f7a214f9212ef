#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/compute_dtype.h"

namespace lamina::cli {

/// Command-line arguments of one subcommand: positionals and `--name value` / `--name=value`
/// options (flags take no value). Unknown options and malformed numbers throw `Error`.
class Args {
public:
    /// `valueOptions` take a value, `flags` do not.
    Args(const std::vector<std::string>& argv, const std::set<std::string>& valueOptions,
         const std::set<std::string>& flags);

    const std::vector<std::string>& positionals() const { return mPositionals; }
    /// The single positional argument `what` (e.g. "MODEL"); throws when absent or repeated.
    std::string positional(const std::string& what) const;
    bool flag(const std::string& name) const { return mFlags.count(name) > 0; }
    std::optional<std::string> value(const std::string& name) const;
    std::string required(const std::string& name) const;
    std::string valueOr(const std::string& name, const std::string& fallback) const;
    int64_t integer(const std::string& name, int64_t fallback, int64_t min, int64_t max) const;
    /// Comma-separated integers in [min, max] ("0,4,15"; empty items skipped; none when absent).
    std::vector<int64_t> integerList(const std::string& name, int64_t min, int64_t max) const;
    int64_t requiredInteger(const std::string& name, int64_t min, int64_t max) const;

private:
    std::vector<std::string> mPositionals;
    std::map<std::string, std::string> mValues;
    std::set<std::string> mFlags;
};

/// `--weights mapped|converted` (default mapped; see WeightResidence).
WeightResidence weightResidence(const Args& args);

/// `--dtype float32|bfloat16` (default float32): the compute dtype.
ComputeDtype computeDtype(const Args& args);

}  // namespace lamina::cli
