#pragma once

#include <QString>

namespace lamina {

/// The bundled demo model: `<prefix>/share/lamina/demo-model` when installed, otherwise the
/// source tree's `resources/demo-model`.
QString demoModelDir();

}  // namespace lamina
