#pragma once

#include <stdexcept>
#include <string>

namespace lamina {

/// Bad input or a failed I/O operation. The message names the file, the field and what was
/// expected, so it can be shown to the user as is.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Thrown out of a long operation when its progress callback returned false.
class Cancelled : public std::runtime_error {
public:
    Cancelled() : std::runtime_error("cancelled") {}
};

}  // namespace lamina
