#pragma once

#include <filesystem>
#include <functional>

namespace lamina::store {

/// libhdf5 1.10 (Debian 12) trusts sizes and heap indices inside a file: a corrupt or hostile
/// results file can crash it, or make it allocate gigabytes, before any check of ours runs
/// (docs/reliability.md). So the first time a process reads a given file, `readAll` runs in
/// a forked child under a memory and time limit; only if that child survives does the caller
/// go on reading the file in-process. A child that dies by a signal, exceeds the limits or
/// hangs makes this throw `Error` "<file>: not a readable results file: ... nothing was
/// loaded". A clean `Error` inside the child is fine: the in-process read reports it the same
/// way. Call with h5::Lock held (no other thread is then inside libhdf5 at the fork).
void readInChildOnce(const std::filesystem::path& path, const std::function<void()>& readAll);

/// Whether `e` reports a failed allocation inside libhdf5 (which it returns as an ordinary
/// error): under the child's memory limit, that is what a hostile size looks like.
bool isAllocationFailure(const std::exception& e);

/// Marks the file now at `path` as safe to read (the process has just written it).
void trustFile(const std::filesystem::path& path);

}  // namespace lamina::store
