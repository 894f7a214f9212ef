// Writes a small results file with the store API, as the seed of fuzz_results_store:
// usage: make_store_seed <file>

#include <cstdio>

#include "common/error.h"
#include "store/results_store.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_store_seed <file>\n");
        return 2;
    }
    try {
        const auto store = lamina::ResultsStore::open(argv[1]);
        for (int i = 0; i < 2; ++i) {
            lamina::StoredResult r;
            r.meta.kind = i == 0 ? "similarity" : "importance";
            r.meta.method = i == 0 ? "cka_linear" : "bi";
            r.meta.parameters = R"({"seq":8,"windows":2})";
            r.meta.modelFingerprint = "0123456789abcdef";
            r.meta.datasetFingerprint = i == 0 ? "fedcba9876543210" : "";
            r.doubles["matrix"] = {{2, 3}, {0.5, 1.0, -2.0, 3.25, 1e-3, 7.0}};
            r.ints["ids"] = {{4}, {1, 2, 3, 4}};
            r.strings["labels"] = {"attn.0", "mlp.0", "block.1"};
            r.attributes["note"] = "fuzz seed";
            store->put(r);
        }
    } catch (const lamina::Error& e) {
        std::fprintf(stderr, "make_store_seed: %s\n", e.what());
        return 1;
    }
    return 0;
}
