#include "model/device_name.h"

#include "common/error.h"

namespace lamina {

DeviceName parseDeviceName(const std::string& name) {
    if (name == "cpu") return {};
    if (name == "cuda") return {true, 0};
    const std::string prefix = "cuda:";
    const std::string digits = name.compare(0, prefix.size(), prefix) == 0 ? name.substr(prefix.size()) : "";
    if (digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string::npos) {
        throw Error("device '" + name + "': expected cpu, cuda or cuda:N");
    }
    return {true, std::stoi(digits)};
}

}  // namespace lamina
