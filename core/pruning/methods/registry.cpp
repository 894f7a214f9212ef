#include "common/error.h"
#include "pruning/method.h"

namespace lamina {

namespace methods {
#define LAMINA_METHOD(id) extern const MethodTraits id;
#include "pruning/methods/method_list.h"
#undef LAMINA_METHOD
}  // namespace methods

const std::vector<const MethodTraits*>& pruningMethods() {
    static const std::vector<const MethodTraits*> all = {
#define LAMINA_METHOD(id) &methods::id,
#include "pruning/methods/method_list.h"
#undef LAMINA_METHOD
    };
    return all;
}

MethodRef::MethodRef() : mTraits(pruningMethods().front()) {}

MethodRef::MethodRef(const std::string& name) {
    for (const MethodTraits* m : pruningMethods()) {
        if (name == m->name) {
            mTraits = m;
            return;
        }
    }
    std::string list;
    for (const MethodTraits* m : pruningMethods()) list += (list.empty() ? "" : ", ") + std::string(m->name);
    throw Error("unknown pruning method '" + name + "' (known: " + list + ")");
}

}  // namespace lamina
