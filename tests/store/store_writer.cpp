// Test helper: writes results to a store from a separate process, so tests can SIGKILL it
// mid-write, run two at once, or limit its file size (a full disk).
//
//   store_writer write <file> <first> <count> [arrays] [length]
//       puts writerResult(i) for i in [first, first + count), printing "done <i>" after each
//   store_writer fill <file> <max-file-bytes> <i> [arrays] [length]
//       sets RLIMIT_FSIZE (SIGXFSZ ignored, so writes fail with EFBIG), tries one put;
//       prints "error: <message>" and exits 0 when it throws, exits 3 when it succeeds

#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/error.h"
#include "writer_results.h"

namespace {

int usage() {
    std::fprintf(stderr,
                 "usage: store_writer write <file> <first> <count> [arrays] [length]\n"
                 "       store_writer fill <file> <max-file-bytes> <i> [arrays] [length]\n");
    return 2;
}

int optionalArg(int argc, char** argv, int index, int fallback) {
    return argc > index ? std::atoi(argv[index]) : fallback;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 5) return usage();
    const std::string mode = argv[1];
    const std::string file = argv[2];
    const int arrays = optionalArg(argc, argv, 5, 3);
    const int length = optionalArg(argc, argv, 6, 100000);
    try {
        if (mode == "write") {
            const int first = std::atoi(argv[3]);
            const int count = std::atoi(argv[4]);
            auto store = lamina::ResultsStore::open(file);
            for (int i = first; i < first + count; ++i) {
                store->put(lamina::test::writerResult(i, arrays, length));
                std::printf("done %d\n", i);
                std::fflush(stdout);
            }
            return 0;
        }
        if (mode == "fill") {
            std::signal(SIGXFSZ, SIG_IGN);
            const rlimit limit{static_cast<rlim_t>(std::atoll(argv[3])), RLIM_INFINITY};
            if (setrlimit(RLIMIT_FSIZE, &limit) != 0) return 4;
            auto store = lamina::ResultsStore::open(file, false);
            try {
                store->put(lamina::test::writerResult(std::atoi(argv[4]), arrays, length));
            } catch (const lamina::Error& e) {
                std::printf("error: %s\n", e.what());
                return 0;
            }
            return 3;
        }
    } catch (const lamina::Error& e) {
        std::fprintf(stderr, "store_writer: %s\n", e.what());
        return 1;
    }
    return usage();
}
