#pragma once

#include <vector>

namespace lamina {

/// The processes that share one computation, e.g. the MPI ranks of `mpirun -n K lamina-cli
/// prune`. Core code sees only this (no MPI headers); the engine supplies the MPI one.
class Collective {
public:
    virtual ~Collective() = default;
    virtual int rank() const = 0;
    virtual int size() const = 0;
    /// Every rank's `mine` concatenated in rank order, returned on every rank. Collective: all
    /// ranks must call it, in the same order.
    virtual std::vector<double> allGather(const std::vector<double>& mine) const = 0;
};

}  // namespace lamina
