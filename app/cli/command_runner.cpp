#include <cstdio>
#include <exception>
#include <string>

#include "commands.h"
#include "common/error.h"

namespace lamina::cli {

int runCommand(const char* name, CommandFn fn, const std::vector<std::string>& args) {
    try {
        return fn(args);
    } catch (const lamina::Cancelled&) {
        std::fprintf(stderr, "lamina-cli %s: interrupted\n", name);
        return 130;
    } catch (const lamina::Error& e) {
        std::fprintf(stderr, "lamina-cli %s: error: %s\n", name, e.what());
        return 2;
    } catch (const std::exception& e) {
        // libtorch errors carry multi-line backtraces: keep the first line.
        std::string what = e.what();
        what = what.substr(0, what.find('\n'));
        std::fprintf(stderr, "lamina-cli %s: internal error: %s\n", name, what.c_str());
        return 1;
    }
}

}  // namespace lamina::cli
