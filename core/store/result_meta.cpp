#include "common/fnv_hash.h"
#include "store/results_store.h"

namespace lamina {

std::string ResultMeta::key() const {
    // NUL separators keep ("ab", "c") and ("a", "bc") apart.
    std::string bytes;
    for (const std::string* field :
         {&kind, &method, &parameters, &modelFingerprint, &datasetFingerprint}) {
        bytes += *field;
        bytes += '\0';
    }
    bytes.pop_back();
    return fnv1aHex(bytes);
}

}  // namespace lamina
