#include "app_paths.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace lamina {

QString demoModelDir() {
    const QString installed =
        QDir(QCoreApplication::applicationDirPath()).filePath("../share/lamina/demo-model");
    if (QFileInfo::exists(installed + "/config.json")) return QDir::cleanPath(installed);
    return QStringLiteral(LAMINA_DEMO_MODEL_DIR);
}

}  // namespace lamina
