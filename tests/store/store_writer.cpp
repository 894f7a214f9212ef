// Test helper: writes results to a store from a separate process, so tests can SIGKILL it
// mid-write, run two at once, or limit its file size (a full disk). RECORDS is either
// `generic [arrays [length]]` (writer_results.h, the default) or one of `analysis`,
// `trajectory`, `evaluation` (real records, kind_records.h).
//
//   store_writer write <file> <first> <count> [RECORDS] [gap-ms]
//       puts record i for i in [first, first + count), printing "put <i>" before and
//       "done <i> <microseconds>" after each put, then sleeping gap-ms (real records only).
//       Real records also replace record i - 1 before each odd i (the store's rebuild path):
//       a third of the puts are replacements. Stops with exit code 1 and the error on stderr
//       when a put fails.
//   store_writer fill <file> <max-file-bytes> <i> [RECORDS]
//       sets RLIMIT_FSIZE (SIGXFSZ ignored, so writes fail with EFBIG), tries one put;
//       prints "error: <message>" and exits 0 when it throws, exits 3 when it succeeds

#include <sys/resource.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include "common/error.h"
#include "kind_records.h"
#include "writer_results.h"

namespace {

using lamina::test::RecordKind;

int usage() {
    std::fprintf(stderr,
                 "usage: store_writer write <file> <first> <count> [RECORDS] [gap-ms]\n"
                 "       store_writer fill <file> <max-file-bytes> <i> [RECORDS]\n"
                 "RECORDS: generic [arrays [length]] | analysis | trajectory | evaluation\n");
    return 2;
}

int optionalArg(int argc, char** argv, int index, int fallback) {
    return argc > index ? std::atoi(argv[index]) : fallback;
}

// What to write: a real record kind, or generic results of `arrays` x `length` doubles.
struct Records {
    std::optional<RecordKind> kind;
    int arrays = 3, length = 100000;
    int gapMs = 0;

    lamina::StoredResult at(int i) const {
        return kind ? lamina::test::kindRecord(*kind, i)
                    : lamina::test::writerResult(i, arrays, length);
    }
};

std::optional<Records> parseRecords(int argc, char** argv) {
    Records records;
    const std::string name = argc > 5 ? argv[5] : "generic";
    if (name == "generic") {
        records.arrays = optionalArg(argc, argv, 6, 3);
        records.length = optionalArg(argc, argv, 7, 100000);
        return records;
    }
    records.kind = lamina::test::parseRecordKind(name);
    if (!records.kind) return std::nullopt;
    records.gapMs = optionalArg(argc, argv, 6, 0);
    return records;
}

void put(lamina::ResultsStore& store, const Records& records, int i) {
    lamina::StoredResult result = records.at(i);  // built before "put": not a store write
    std::printf("put %d\n", i);
    std::fflush(stdout);
    const auto start = std::chrono::steady_clock::now();
    store.put(std::move(result));
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start);
    std::printf("done %d %lld\n", i, static_cast<long long>(us.count()));
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 5) return usage();
    const std::string mode = argv[1];
    const std::string file = argv[2];
    const std::optional<Records> records = parseRecords(argc, argv);
    if (!records) return usage();
    try {
        if (mode == "write") {
            const int first = std::atoi(argv[3]);
            const int count = std::atoi(argv[4]);
            auto store = lamina::ResultsStore::open(file);
            for (int i = first; i < first + count; ++i) {
                if (records->kind && i % 2 == 1 && i - 1 >= first) put(*store, *records, i - 1);
                put(*store, *records, i);
                std::this_thread::sleep_for(std::chrono::milliseconds(records->gapMs));
            }
            return 0;
        }
        if (mode == "fill") {
            std::signal(SIGXFSZ, SIG_IGN);
            const rlimit limit{static_cast<rlim_t>(std::atoll(argv[3])), RLIM_INFINITY};
            if (setrlimit(RLIMIT_FSIZE, &limit) != 0) return 4;
            auto store = lamina::ResultsStore::open(file, false);
            try {
                store->put(records->at(std::atoi(argv[4])));
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
