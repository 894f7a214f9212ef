#pragma once

#include <filesystem>
#include <string>

namespace lamina {

/// Writes `text` to `path` through a temporary file renamed over it, so readers see the old
/// or the new content, never a partial one. Throws `Error` naming the file and `what`
/// ("the plan", "the table") on failure (a full disk included) and removes the temporary.
void writeTextFileAtomically(const std::filesystem::path& path, const std::string& text,
                             const std::string& what);

}  // namespace lamina
