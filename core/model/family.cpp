#include "model/family.h"

#include "common/error.h"

namespace lamina {

const std::vector<const FamilyTraits*>& supportedFamilies() {
    static const std::vector<const FamilyTraits*> families = {&kLlamaFamily, &kMistralFamily,
                                                              &kQwen2Family, &kNemotronNasFamily};
    return families;
}

const FamilyTraits& familyTraits(const std::string& modelType, const std::string& source) {
    std::string names;
    for (const FamilyTraits* f : supportedFamilies()) {
        if (modelType == f->modelType) return *f;
        names += (names.empty() ? "" : ", ") + std::string(f->modelType);
    }
    throw Error(source + ": field 'model_type' is '" + modelType +
                "': unsupported architecture (supported: " + names + ")");
}

}  // namespace lamina
