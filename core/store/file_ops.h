#pragma once

// POSIX file steps of an atomic replace: read, write durably, rename, flush the directory.

#include <filesystem>
#include <vector>

namespace lamina::store {

/// The whole content of `path`; throws `Error` naming the file on failure.
std::vector<char> readFile(const std::filesystem::path& path);

/// Writes `bytes` to the new file `path` (which must not exist) and fsync()s it, with the
/// permission bits of `modeSource` when that exists. Throws `Error` naming the file on
/// failure (ENOSPC/EFBIG on a full disk included); the caller removes the partial file.
void writeNewFile(const std::filesystem::path& path, const std::vector<char>& bytes,
                  const std::filesystem::path& modeSource);

/// Renames `from` over `to` (atomic on POSIX) and fsync()s the directory so the new entry
/// survives a power cut. Throws `Error` when the rename fails; a failed directory fsync is
/// ignored because the rename has already been made visible to every reader.
void replaceFile(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace lamina::store
