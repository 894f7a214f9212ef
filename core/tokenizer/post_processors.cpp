#include "tokenizer/post_processors.h"

#include <map>
#include <sstream>
#include <string>
#include <utility>

#include "common/json_field.h"

namespace lamina {

namespace {

constexpr int kMaxDepth = 16;

class NoOpPostProcessor : public PostProcessor {
public:
    void process(std::vector<TokenId>& /*ids*/, bool /*addSpecialTokens*/) const override {}
};

class SequencePostProcessor : public PostProcessor {
public:
    explicit SequencePostProcessor(std::vector<std::unique_ptr<PostProcessor>> parts)
        : mParts(std::move(parts)) {}
    void process(std::vector<TokenId>& ids, bool addSpecialTokens) const override {
        for (const auto& part : mParts) part->process(ids, addSpecialTokens);
    }
    std::optional<TokenId> leadingSpecialId() const override {
        for (auto it = mParts.rbegin(); it != mParts.rend(); ++it) {
            if (auto id = (*it)->leadingSpecialId()) return id;
        }
        return std::nullopt;
    }

private:
    std::vector<std::unique_ptr<PostProcessor>> mParts;
};

// The single-sequence template: ids to put before and after the sequence.
class TemplatePostProcessor : public PostProcessor {
public:
    TemplatePostProcessor(std::vector<TokenId> before, std::vector<TokenId> after)
        : mBefore(std::move(before)), mAfter(std::move(after)) {}
    void process(std::vector<TokenId>& ids, bool addSpecialTokens) const override {
        if (!addSpecialTokens) return;
        ids.insert(ids.begin(), mBefore.begin(), mBefore.end());
        ids.insert(ids.end(), mAfter.begin(), mAfter.end());
    }
    std::optional<TokenId> leadingSpecialId() const override {
        if (mBefore.empty()) return std::nullopt;
        return mBefore.front();
    }

private:
    std::vector<TokenId> mBefore;
    std::vector<TokenId> mAfter;
};

TokenId checkedId(const JsonField& field, int64_t vocabSize) {
    const int64_t id = field.integer();
    if (id < 0 || id >= vocabSize) field.fail("token id " + std::to_string(id) + " out of range");
    return static_cast<TokenId>(id);
}

std::map<std::string, std::vector<TokenId>> readSpecialTokens(const JsonField& field,
                                                              int64_t vocabSize) {
    std::map<std::string, std::vector<TokenId>> specials;
    const auto tokens = field.optional("special_tokens");
    if (!tokens) return specials;
    tokens->requireObject();
    for (const auto& item : tokens->value().items()) {
        const JsonField ids = (*tokens)[item.key().c_str()]["ids"];
        std::vector<TokenId> list;
        for (std::size_t i = 0; i < ids.arraySize(); ++i) {
            list.push_back(checkedId(ids.at(i), vocabSize));
        }
        specials[item.key()] = std::move(list);
    }
    return specials;
}

struct TemplateItem {
    bool isSequence;
    std::string name;  // special token name, or the sequence's id
};

// Items are {"SpecialToken": {"id": ...}}, {"Sequence": {"id": "A"}}, or (the legacy string
// form) "<s> $A:0 </s>", where "$", "$A" and "$<type id>" all mean the sequence.
std::vector<TemplateItem> readTemplateItems(const JsonField& single) {
    std::vector<TemplateItem> items;
    if (single.value().is_string()) {
        std::istringstream words(single.string());
        std::string word;
        while (words >> word) {
            const std::string name = word.substr(0, word.find(':'));
            if (!name.empty() && name[0] == '$') {
                const std::string id = name.substr(1);
                const bool digits = id.find_first_not_of("0123456789") == std::string::npos;
                items.push_back({true, digits ? "A" : id});
            } else {
                items.push_back({false, name});
            }
        }
        return items;
    }
    for (std::size_t i = 0; i < single.arraySize(); ++i) {
        const JsonField item = single.at(i);
        if (item.has("SpecialToken")) {
            items.push_back({false, item["SpecialToken"]["id"].string()});
        } else if (item.has("Sequence")) {
            items.push_back({true, item["Sequence"]["id"].string()});
        } else {
            item.fail("expected a SpecialToken or a Sequence");
        }
    }
    return items;
}

std::unique_ptr<PostProcessor> parseTemplate(const JsonField& field, int64_t vocabSize) {
    const auto specials = readSpecialTokens(field, vocabSize);
    const JsonField single = field["single"];
    std::vector<TokenId> before;
    std::vector<TokenId> after;
    bool seenSequence = false;
    for (const TemplateItem& item : readTemplateItems(single)) {
        if (item.isSequence) {
            if (item.name != "A") single.fail("unsupported sequence '" + item.name + "'");
            if (seenSequence) single.fail("the sequence appears twice");
            seenSequence = true;
            continue;
        }
        const auto it = specials.find(item.name);
        if (it == specials.end()) single.fail("special token '" + item.name + "' is not defined");
        auto& target = seenSequence ? after : before;
        target.insert(target.end(), it->second.begin(), it->second.end());
    }
    if (!seenSequence) single.fail("the template has no $A sequence");
    return std::make_unique<TemplatePostProcessor>(std::move(before), std::move(after));
}

// BertProcessing / RobertaProcessing: [cls] A [sep], each given as ["token", id].
std::unique_ptr<PostProcessor> parseClsSep(const JsonField& field, int64_t vocabSize) {
    const TokenId cls = checkedId(field["cls"].at(1), vocabSize);
    const TokenId sep = checkedId(field["sep"].at(1), vocabSize);
    return std::make_unique<TemplatePostProcessor>(std::vector<TokenId>{cls},
                                                   std::vector<TokenId>{sep});
}

}  // namespace

std::unique_ptr<PostProcessor> parsePostProcessor(const JsonField& field, int64_t vocabSize,
                                                  int depth) {
    if (field.isNull()) return nullptr;
    if (depth > kMaxDepth) field.fail("nested too deeply");
    const JsonField typeField = field["type"];
    const std::string type = typeField.string();
    if (type == "TemplateProcessing") return parseTemplate(field, vocabSize);
    if (type == "ByteLevel") return std::make_unique<NoOpPostProcessor>();  // offsets only
    if (type == "BertProcessing" || type == "RobertaProcessing") {
        return parseClsSep(field, vocabSize);
    }
    if (type == "Sequence") {
        const JsonField list = field["processors"];
        std::vector<std::unique_ptr<PostProcessor>> parts;
        for (std::size_t i = 0; i < list.arraySize(); ++i) {
            auto part = parsePostProcessor(list.at(i), vocabSize, depth + 1);
            if (part) parts.push_back(std::move(part));
        }
        return std::make_unique<SequencePostProcessor>(std::move(parts));
    }
    typeField.unsupported();
}

}  // namespace lamina
