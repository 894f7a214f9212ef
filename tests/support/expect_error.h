#pragma once

#include <QtTest/QtTest>
#include <initializer_list>
#include <string>

#include "common/error.h"

namespace lamina::test {

/// Runs `fn`, expecting a lamina::Error whose message contains every one of `needles`.
template <typename Fn>
void expectError(Fn fn, std::initializer_list<std::string> needles) {
    try {
        fn();
    } catch (const Error& e) {
        const std::string msg = e.what();
        for (const auto& n : needles) {
            QVERIFY2(msg.find(n) != std::string::npos,
                     qPrintable(QString::fromStdString("message '" + msg + "' lacks '" + n + "'")));
        }
        return;
    }
    QFAIL("no lamina::Error thrown");
}

}  // namespace lamina::test
