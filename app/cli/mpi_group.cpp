// MPI for `mpirun -n K lamina-cli prune`: the only file that includes mpi.h.
#include "mpi_group.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <string>

#include "common/error.h"

#ifdef LAMINA_WITH_MPI
// The C API only: the deprecated C++ bindings would need libmpi_cxx.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace lamina::cli {

int runAsRank(const char* command, const std::function<int(const MpiGroup*)>& body) {
    const std::unique_ptr<MpiGroup> group = joinLaunchedGroup();
    if (!group) return body(nullptr);
    try {
        return body(group.get());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lamina-cli %s (rank %d of %d): %s\n", command, group->rank(), group->size(), e.what());
        group->abort(2);
    }
}

int threadsFor(int requested, const MpiGroup* group) {
    if (requested > 0 || group == nullptr) return requested;
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return std::max(1, cores / group->localSize());
}

#ifdef LAMINA_WITH_MPI

MpiGroup::~MpiGroup() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
}

std::vector<double> MpiGroup::allGather(const std::vector<double>& mine) const {
    const int count = static_cast<int>(mine.size());
    std::vector<int> counts(static_cast<std::size_t>(mSize)), offsets(static_cast<std::size_t>(mSize));
    MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
    int total = 0;
    for (int q = 0; q < mSize; ++q) {
        offsets[static_cast<std::size_t>(q)] = total;
        total += counts[static_cast<std::size_t>(q)];
    }
    std::vector<double> all(static_cast<std::size_t>(total));
    MPI_Allgatherv(mine.data(), count, MPI_DOUBLE, all.data(), counts.data(), offsets.data(),
                   MPI_DOUBLE, MPI_COMM_WORLD);
    return all;
}

void MpiGroup::abort(int code) const {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);
}

std::unique_ptr<MpiGroup> joinLaunchedGroup() {
    if (!launchedAsRanks()) return nullptr;
    // This module is loaded RTLD_LOCAL; Open MPI's plugins need libmpi's symbols global.
    ::dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) MPI_Init(nullptr, nullptr);
    std::unique_ptr<MpiGroup> g(new MpiGroup());
    MPI_Comm_rank(MPI_COMM_WORLD, &g->mRank);
    MPI_Comm_size(MPI_COMM_WORLD, &g->mSize);
    MPI_Comm local;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local);
    MPI_Comm_size(local, &g->mLocalSize);
    MPI_Comm_free(&local);
    if (g->mSize <= 1) return nullptr;  // finalises: a single rank runs as a plain process
    return g;
}

#else

MpiGroup::~MpiGroup() = default;
std::vector<double> MpiGroup::allGather(const std::vector<double>& mine) const { return mine; }
void MpiGroup::abort(int code) const { std::_Exit(code); }

std::unique_ptr<MpiGroup> joinLaunchedGroup() {
    if (!launchedAsRanks()) return nullptr;
    const char* size = std::getenv("OMPI_COMM_WORLD_SIZE");
    if (size == nullptr) size = std::getenv("PMI_SIZE");
    if (size != nullptr && std::string(size) == "1") return nullptr;
    throw Error("this lamina-cli was built without MPI (install libopenmpi-dev and rebuild) but was "
                "started as several MPI ranks");
}

#endif

}  // namespace lamina::cli
