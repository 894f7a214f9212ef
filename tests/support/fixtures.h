#pragma once

// Where tests find their data: ../shared (configurable with -DLAMINA_SHARED_DIR) and the
// repository's own resources. Never the working directory.

#include <QtTest/QtTest>
#include <filesystem>
#include <string>

namespace lamina::test {

inline std::filesystem::path sharedDir() { return LAMINA_SHARED_DIR; }
inline std::filesystem::path sourceDir() { return LAMINA_SOURCE_DIR; }
inline std::filesystem::path demoModelDir() { return sourceDir() / "resources" / "demo-model"; }
inline bool haveShared() { return std::filesystem::exists(sharedDir() / "golden"); }
/// A path under ../shared as a command-line argument.
inline QString shared(const std::string& rel) { return QString::fromStdString((sharedDir() / rel).string()); }
/// lamina-cli calibration options for stories260K: 4 windows of 64 tokens of calibration.txt.
inline QStringList storiesCalibrationArgs() {
    return {"--calib", shared("data/tinystories/calibration.txt"), "--tokenizer",
            shared("models/stories260K/llama2c/tok512.bin"), "--seq", "64", "--windows", "4"};
}

}  // namespace lamina::test

/// In initTestCase(): skip the whole suite, with the reason, when ../shared is absent.
#define LAMINA_REQUIRE_SHARED()                                                             \
    do {                                                                                    \
        if (!lamina::test::haveShared())                                                    \
            QSKIP(qPrintable(QStringLiteral("shared fixtures not found at %1 (set "         \
                                            "-DLAMINA_SHARED_DIR)")                         \
                                 .arg(QString::fromStdString(lamina::test::sharedDir())))); \
    } while (false)
