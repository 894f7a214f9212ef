#pragma once

#include <string>

namespace lamina {

/// A device as named on the command line: "cpu", "cuda" (= "cuda:0") or "cuda:N". Parsing
/// the name needs no libtorch, so front ends reject a misspelling before loading anything.
struct DeviceName {
    bool cuda = false;
    int index = 0;
};

/// Throws `Error` for anything but cpu, cuda or cuda:N.
DeviceName parseDeviceName(const std::string& name);

}  // namespace lamina
