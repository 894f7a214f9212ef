#pragma once

// One name table per enum of core (strings only at the edges): the names it is written with
// in the CLI, JSON and the results file, looked up both ways.

#include <cstddef>
#include <string>

#include "common/error.h"

namespace lamina {

template <typename E>
struct NamedValue {
    E value;
    const char* name;
};

/// The name of `value` ("?" for a value without one).
template <typename E, std::size_t N>
const char* nameIn(const NamedValue<E> (&table)[N], E value) {
    for (const auto& entry : table) {
        if (entry.value == value) return entry.name;
    }
    return "?";
}

/// The value named `name`; throws `Error` "<what> 'name': expected a, b or c".
template <typename E, std::size_t N>
E valueIn(const NamedValue<E> (&table)[N], const std::string& name, const std::string& what) {
    std::string names;
    for (std::size_t i = 0; i < N; ++i) {
        if (name == table[i].name) return table[i].value;
        names += (i == 0 ? "" : i + 1 == N ? " or " : ", ") + std::string(table[i].name);
    }
    throw Error(what + " '" + name + "': expected " + names);
}

}  // namespace lamina
