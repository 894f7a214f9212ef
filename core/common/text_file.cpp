#include "common/text_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "common/error.h"

namespace lamina {

void writeTextFileAtomically(const std::filesystem::path& path, const std::string& text,
                             const std::string& what) {
    const std::string tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << text;
        out.flush();
        if (!out) {
            const std::string why = std::strerror(errno);
            std::remove(tmp.c_str());
            throw Error(path.string() + ": cannot write " + what + ": " + why);
        }
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        std::remove(tmp.c_str());
        throw Error(path.string() + ": cannot write " + what + ": " + why);
    }
}

}  // namespace lamina
