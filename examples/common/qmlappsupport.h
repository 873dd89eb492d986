// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Shared by the Qt Quick examples (qml-crawler, qml-downloads): what their command lines and
// test modes need. Header-only, so that each example stays one stand-alone project.

#ifndef AIOUTILS_EXAMPLES_QMLAPPSUPPORT_H
#define AIOUTILS_EXAMPLES_QMLAPPSUPPORT_H

#include <QtCore/QCommandLineParser>
#include <QtCore/QDir>
#include <QtGui/QImage>
#include <QtQml/QQmlEngine>
#include <QtQml/QQmlError>

#include <cstdio>

namespace QmlAppSupport {

// An integer option in [min, max]; `value` keeps its default when the option is not given. False
// (and a message on stderr, "<program>: --<option> must be ...") when it is not such an integer.
inline bool readInt(const char *program, const QCommandLineParser &parser,
                    const QCommandLineOption &option, int min, int max, int *value)
{
    if (!parser.isSet(option))
        return true;
    bool ok = false;
    const int read = parser.value(option).toInt(&ok);
    if (!ok || read < min || read > max) {
        std::fprintf(stderr, "%s: --%s must be an integer in [%d, %d]\n", program,
                     qUtf8Printable(option.names().constFirst()), min, max);
        return false;
    }
    *value = read;
    return true;
}

// In a test mode QML must run without a warning: every message from the QML engine, the
// JavaScript console and Qt Quick counts (and is still printed), and so does every error of a
// binding or handler the engine reports.
class QmlWarnings
{
public:
    // Installs the message handler; once, before the engine is made.
    static void countMessages() { previous() = qInstallMessageHandler(&handle); }
    static void countEngineErrors(QQmlEngine &engine)
    {
        QObject::connect(&engine, &QQmlEngine::warnings, &engine,
                         [](const QList<QQmlError> &errors) { count() += int(errors.size()); });
    }
    static int &count()
    {
        static int warnings = 0;
        return warnings;
    }

private:
    static QtMessageHandler &previous()
    {
        static QtMessageHandler handler = nullptr;
        return handler;
    }
    static void handle(QtMsgType type, const QMessageLogContext &context, const QString &message)
    {
        const QByteArray category(context.category ? context.category : "");
        const bool fromQml = category == "qml" || category == "js" || category.startsWith("qt.qml")
                || category.startsWith("qt.quick");
        if (fromQml && type != QtDebugMsg && type != QtInfoMsg)
            ++count();
        previous()(type, context, message);
    }
};

// Saves `image` (a grabbed window) as the PNG file `file`; says so on stdout, or why not on
// stderr.
inline bool saveScreenshot(const char *program, const QImage &image, const QString &file)
{
    if (image.isNull() || !image.save(file, "PNG")) {
        std::fprintf(stderr, "%s: cannot save the screenshot to %s\n", program,
                     qUtf8Printable(file));
        return false;
    }
    std::printf("%s: screenshot %dx%d saved to %s\n", program, image.width(), image.height(),
                qUtf8Printable(QDir::toNativeSeparators(file)));
    std::fflush(stdout);
    return true;
}

} // namespace QmlAppSupport

#endif // AIOUTILS_EXAMPLES_QMLAPPSUPPORT_H
