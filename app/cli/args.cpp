#include "args.h"

#include <algorithm>

#include "common/error.h"

namespace lamina::cli {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& valueOptions,
           const std::set<std::string>& flags) {
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a.size() < 3 || a.rfind("--", 0) != 0) {
            mPositionals.push_back(a);
            continue;
        }
        std::string name = a.substr(2);
        std::optional<std::string> inlineValue;
        if (const auto eq = name.find('='); eq != std::string::npos) {
            inlineValue = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        if (flags.count(name)) {
            if (inlineValue) throw Error("option --" + name + " takes no value");
            mFlags.insert(name);
        } else if (valueOptions.count(name)) {
            if (!inlineValue && i + 1 >= argv.size()) {
                throw Error("option --" + name + " needs a value");
            }
            mValues[name] = inlineValue ? *inlineValue : argv[++i];
        } else {
            throw Error("unknown option --" + name + " (see --help)");
        }
    }
}

std::string Args::positional(const std::string& what) const {
    if (mPositionals.empty()) throw Error("missing " + what + " argument");
    if (mPositionals.size() > 1) {
        throw Error("unexpected extra argument '" + mPositionals[1] + "'");
    }
    return mPositionals[0];
}

std::optional<std::string> Args::value(const std::string& name) const {
    auto it = mValues.find(name);
    if (it == mValues.end()) return std::nullopt;
    return it->second;
}

std::string Args::required(const std::string& name) const {
    auto v = value(name);
    if (!v) throw Error("missing required option --" + name);
    return *v;
}

std::string Args::valueOr(const std::string& name, const std::string& fallback) const {
    return value(name).value_or(fallback);
}

namespace {

int64_t parseInteger(const std::string& name, const std::string& text, int64_t min, int64_t max) {
    std::size_t used = 0;
    int64_t n = 0;
    try {
        n = std::stoll(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || text.empty()) {
        throw Error("option --" + name + ": expected an integer, got '" + text + "'");
    }
    if (n < min || n > max) {
        throw Error("option --" + name + ": " + text + " is outside [" + std::to_string(min) + ", " +
                    std::to_string(max) + "]");
    }
    return n;
}

}  // namespace

int64_t Args::integer(const std::string& name, int64_t fallback, int64_t min, int64_t max) const {
    const auto v = value(name);
    return v ? parseInteger(name, *v, min, max) : fallback;
}

std::vector<int64_t> Args::integerList(const std::string& name, int64_t min, int64_t max) const {
    std::vector<int64_t> out;
    const std::string text = valueOr(name, "");
    for (std::size_t begin = 0; begin <= text.size();) {
        const std::size_t end = std::min(text.find(',', begin), text.size());
        if (end > begin) out.push_back(parseInteger(name, text.substr(begin, end - begin), min, max));
        begin = end + 1;
    }
    return out;
}

int64_t Args::requiredInteger(const std::string& name, int64_t min, int64_t max) const {
    required(name);
    return integer(name, 0, min, max);
}

ComputeDtype computeDtype(const Args& args) {
    const std::string d = args.valueOr("dtype", "float32");
    if (d == "float32") return ComputeDtype::Float32;
    if (d == "bfloat16") return ComputeDtype::BFloat16;
    throw Error("option --dtype: expected float32 or bfloat16, got '" + d + "'");
}

WeightResidence weightResidence(const Args& args) {
    const std::string w = args.valueOr("weights", "mapped");
    if (w == "mapped") return WeightResidence::Mapped;
    if (w == "converted") return WeightResidence::Converted;
    throw Error("option --weights: expected mapped or converted, got '" + w + "'");
}

}  // namespace lamina::cli
