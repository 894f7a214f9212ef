#pragma once

#include <cstdlib>
#include <functional>
#include <memory>

#include "common/collective.h"

namespace lamina::cli {

/// The MPI ranks of this run when it was launched by mpirun/srun as more than one process.
class MpiGroup : public Collective {
public:
    ~MpiGroup() override;  // finalises MPI
    int rank() const override { return mRank; }
    int size() const override { return mSize; }
    std::vector<double> allGather(const std::vector<double>& mine) const override;
    /// Ends every rank at once (a rank that failed must not leave the others waiting).
    [[noreturn]] void abort(int code) const;
    /// Processes of this run on this machine (for the default thread count).
    int localSize() const { return mLocalSize; }

private:
    friend std::unique_ptr<MpiGroup> joinLaunchedGroup();
    MpiGroup() = default;
    int mRank = 0, mSize = 1, mLocalSize = 1;
};

/// Whether mpirun or srun started this process (Open MPI's OMPI_COMM_WORLD_SIZE, PMI or PMIx
/// variables); needs no MPI.
inline bool launchedAsRanks() {
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"}) {
        if (std::getenv(v) != nullptr) return true;
    }
    return false;
}

/// --threads, or by default the machine's cores divided between the ranks on it.
int threadsFor(int requested, const MpiGroup* group);

/// Runs a command's `body` as this process's rank: body(nullptr) when not launched as several
/// ranks, otherwise body(group), where a failure prints "lamina-cli COMMAND (rank r of K): ..."
/// and ends every rank (the others would wait for this one forever).
int runAsRank(const char* command, const std::function<int(const MpiGroup*)>& body);

/// Initialises MPI when launchedAsRanks() with more than one rank; null otherwise.
/// Throws `Error` when launched that way by a build without MPI.
std::unique_ptr<MpiGroup> joinLaunchedGroup();

}  // namespace lamina::cli
