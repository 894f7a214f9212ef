#include "model/page_release.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

namespace lamina {

namespace {

struct Range {
    uintptr_t begin, end;
};

// Read-only mappings of files (inode ≠ 0), from /proc/self/maps.
std::vector<Range> readOnlyFileMappings() {
    std::vector<Range> out;
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line)) {
        std::istringstream in(line);
        std::string span, perms, offset, dev;
        unsigned long inode = 0;
        if (!(in >> span >> perms >> offset >> dev >> inode) || inode == 0) continue;
        if (perms.size() < 2 || perms[1] != '-') continue;  // writable: never drop
        const std::size_t dash = span.find('-');
        if (dash == std::string::npos) continue;
        out.push_back({std::stoull(span.substr(0, dash), nullptr, 16),
                       std::stoull(span.substr(dash + 1), nullptr, 16)});
    }
    return out;
}

}  // namespace

void releaseMappedPages(const std::vector<at::Tensor>& tensors) {
    const std::vector<Range> mappings = readOnlyFileMappings();
    const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    for (const at::Tensor& t : tensors) {
        if (!t.defined() || t.nbytes() == 0) continue;
        const auto begin = reinterpret_cast<uintptr_t>(t.data_ptr());
        const uintptr_t end = begin + t.nbytes();
        for (const Range& m : mappings) {
            if (begin < m.begin || end > m.end) continue;
            // Whole pages, clipped to the mapping: a neighbour's page dropped with it is
            // simply read again when that tensor is next used.
            const uintptr_t from = begin / page * page, to = std::min(m.end, (end + page - 1) / page * page);
            ::madvise(reinterpret_cast<void*>(from), to - from, MADV_DONTNEED);
            break;
        }
    }
}

void releaseBlockPages(const BlockWeights& b) {
    releaseMappedPages({b.attn.norm, b.attn.wq, b.attn.wk, b.attn.wv, b.attn.wo, b.attn.bq, b.attn.bk,
                        b.attn.bv, b.attn.bo, b.mlp.norm, b.mlp.gate, b.mlp.up, b.mlp.down,
                        b.mlp.bgate, b.mlp.bup, b.mlp.bdown});
}

}  // namespace lamina
