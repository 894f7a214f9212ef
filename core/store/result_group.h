#pragma once

// One stored result as an HDF5 group `/<kind>/<key>` (layout: docs/results-format.md).

#include <hdf5.h>

#include <cstdint>
#include <string>

#include "store/results_store.h"

namespace lamina::store {

/// Throws `Error` unless `name` can be an HDF5 link name (non-empty, no '/', no NUL, not ".").
void checkLinkName(const std::string& name, const char* what);

/// Creates the group `meta.key()` in `kindGroup` with its attributes and datasets; every
/// dataset carries the provenance attributes too. Throws `Error` naming what failed.
void writeResultGroup(hid_t kindGroup, const StoredResult& result, int64_t sequence);

/// Reads a result group's metadata and its creation sequence number; throws `Error` when an
/// attribute is missing or mistyped or the group name is not the key of its attributes.
ResultMeta readResultMeta(hid_t group, const std::string& groupName, int64_t& sequence);

/// Reads a whole result group (metadata, `attr:` attributes and datasets), validating types.
StoredResult readResultGroup(hid_t group, const std::string& groupName);

}  // namespace lamina::store
