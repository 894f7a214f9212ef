// An HDF5 results file opened read-only: list every result and load each one. Afterwards no
// HDF5 object may be left open (a leaked id keeps the file and its caches alive). The input
// is marked trusted so it is read in this process, not in the checking child process the
// store forks for a new file (store/child_check.h): the fuzzer must see our reading code.

#include <hdf5.h>

#include "fuzz_support.h"
#include "store/child_check.h"
#include "store/results_store.h"

// libhdf5 1.10 itself leaks a few blocks when H5Fopen fails half-way on a corrupt file
// (H5F_open → H5G_mkroot); that is not our code, and our handle leaks are caught by the
// open-object count below instead.
extern "C" const char* __lsan_default_suppressions() { return "leak:libhdf5_serial.so\n"; }

namespace {

template <typename T>
bool shapeMatches(const std::vector<int64_t>& shape, const std::vector<T>& values) {
    uint64_t n = 1;
    for (const int64_t d : shape) {
        if (d < 0 || __builtin_mul_overflow(n, static_cast<uint64_t>(d), &n)) return false;
    }
    return n == values.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto path = lamina::fuzz::writeInput("results.h5", data, size);
    lamina::store::trustFile(path);
    lamina::fuzz::expectOnlyLaminaErrors([&] {
        const auto store = lamina::ResultsStore::open(path, /*create=*/false);
        for (const lamina::ResultMeta& meta : store->list()) {
            lamina::fuzz::expectOnlyLaminaErrors([&] {
                const lamina::StoredResult r = store->load(meta.key());
                for (const auto& [name, a] : r.doubles) FUZZ_CHECK(shapeMatches(a.shape, a.values));
                for (const auto& [name, a] : r.ints) FUZZ_CHECK(shapeMatches(a.shape, a.values));
            });
            lamina::fuzz::expectOnlyLaminaErrors([&] { store->find(meta); });
        }
        store->load("0000000000000000");
    });
    FUZZ_CHECK(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) == 0);
    return 0;
}
