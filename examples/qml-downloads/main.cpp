// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// A download manager as a Qt Quick application: the downloads are JavaScript in Main.qml, on the
// AioUtils QML module (a Pool keyed by host, its taskModel as the list). This file starts the
// embedded site (24 files on two host names, some slow, some failing), loads the window, and for
// tests drives it: --exercise starts the downloads, cancels a slow one (6.bin) while it runs,
// retries every failed or canceled one once the first pass is over, prints what each pass ended
// with, saves --screenshot FILE and quits. In that mode a QML warning fails the run.

#include "localsite.h"
#include "qmlappsupport.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QTimer>
#include <QtCore/QUrl>
#include <QtGui/QGuiApplication>
#include <QtQml/QQmlApplicationEngine>
#include <QtQuick/QQuickWindow>

#include <cstdio>
#include <optional>

namespace {

struct Options
{
    QUrl listUrl; // empty: the embedded site's /files/
    int concurrency = 6;
    int perHost = 2;
    int rate = 0;
    int retries = 0;
    bool autoStart = false;
    bool once = false;
    bool exercise = false;
    QString screenshot;
    int deadlineSeconds = 60;
    QStringList importPaths;
};

bool readInt(const QCommandLineParser &parser, const QCommandLineOption &option, int min, int max,
             int *value)
{
    return QmlAppSupport::readInt("qml-downloads", parser, option, min, max, value);
}

std::optional<Options> readOptions(const QCoreApplication &app)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
            "Downloads files from a Qt Quick window with the AioUtils QML module: a row per "
            "download, from the pool's taskModel. Without --list it downloads the files of an "
            "embedded site on 127.0.0.1."));
    parser.addHelpOption();
    const QCommandLineOption listOption(
            QStringLiteral("list"),
            QStringLiteral("A text/plain URL listing the files, one URL a line (default: the "
                           "embedded site's)."),
            QStringLiteral("url"));
    const QCommandLineOption concurrencyOption(
            QStringLiteral("concurrency"),
            QStringLiteral("Downloads at once, 1 to 32 (the pool's size; default 6)."),
            QStringLiteral("n"));
    const QCommandLineOption perHostOption(
            QStringLiteral("per-host"),
            QStringLiteral("Downloads at once from one host, 0 to 16 (limitPerKey; 0: no limit; "
                           "default 2)."),
            QStringLiteral("n"));
    const QCommandLineOption rateOption(
            QStringLiteral("rate"),
            QStringLiteral("Downloads started per second on one host, 0 to 100 "
                           "(rateLimitPerKey; 0, the default: no limit)."),
            QStringLiteral("r"));
    const QCommandLineOption retriesOption(
            QStringLiteral("retries"),
            QStringLiteral("Tries a download again up to n times after a 429, a 503, a timeout "
                           "or a lost connection (default 0)."),
            QStringLiteral("n"));
    const QCommandLineOption autoStartOption(QStringLiteral("auto-start"),
                                             QStringLiteral("Start the downloads at once."));
    const QCommandLineOption onceOption(
            QStringLiteral("once"),
            QStringLiteral("Start, wait until every download ended, print how they ended (and "
                           "the status line), and quit: 0 if all succeeded, 1 if not."));
    const QCommandLineOption exerciseOption(
            QStringLiteral("exercise"),
            QStringLiteral("Test mode, on the embedded site: start, cancel the slow 6.bin while "
                           "it runs, retry the failed and canceled ones once the first pass is "
                           "over, print both passes, save --screenshot if given, and quit."));
    const QCommandLineOption screenshotOption(
            QStringLiteral("screenshot"),
            QStringLiteral("With --exercise or --once: save the window as a PNG file at the "
                           "end."),
            QStringLiteral("file"));
    const QCommandLineOption deadlineOption(
            QStringLiteral("deadline"),
            QStringLiteral("With --exercise or --once: fail if not done after this many seconds "
                           "(default 60)."),
            QStringLiteral("seconds"));
    const QCommandLineOption importPathOption(
            QStringLiteral("import-path"),
            QStringLiteral("One more QML import path (where AioUtils/qmldir is)."),
            QStringLiteral("dir"));
    parser.addOptions({ listOption, concurrencyOption, perHostOption, rateOption, retriesOption,
                        autoStartOption, onceOption, exerciseOption, screenshotOption,
                        deadlineOption, importPathOption });
    if (!parser.parse(QCoreApplication::arguments())) {
        QString error = parser.errorText();
        if (error.endsWith(QLatin1Char('.')))
            error.chop(1);
        std::fprintf(stderr, "qml-downloads: %s (see --help)\n", qUtf8Printable(error));
        return std::nullopt;
    }
    parser.process(app); // only --help is left for it

    Options options;
    if (!readInt(parser, concurrencyOption, 1, 32, &options.concurrency)
        || !readInt(parser, perHostOption, 0, 16, &options.perHost)
        || !readInt(parser, rateOption, 0, 100, &options.rate)
        || !readInt(parser, retriesOption, 0, 10, &options.retries)
        || !readInt(parser, deadlineOption, 1, 24 * 3600, &options.deadlineSeconds)) {
        return std::nullopt;
    }
    if (!parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "qml-downloads: unexpected argument '%s' (see --help)\n",
                     qUtf8Printable(parser.positionalArguments().constFirst()));
        return std::nullopt;
    }
    if (parser.isSet(listOption)) {
        options.listUrl = QUrl::fromUserInput(parser.value(listOption));
        const QString scheme = options.listUrl.scheme();
        if (!options.listUrl.isValid()
            || (scheme != QLatin1String("http") && scheme != QLatin1String("https"))) {
            std::fprintf(stderr, "qml-downloads: '%s' is not a valid http(s) URL\n",
                         qUtf8Printable(parser.value(listOption)));
            return std::nullopt;
        }
    }
    if (parser.isSet(screenshotOption) && !parser.isSet(exerciseOption)
        && !parser.isSet(onceOption)) {
        std::fprintf(stderr,
                     "qml-downloads: --screenshot needs --exercise or --once (see --help)\n");
        return std::nullopt;
    }
    if (parser.isSet(onceOption) && parser.isSet(exerciseOption)) {
        std::fprintf(stderr, "qml-downloads: --once and --exercise do not go together\n");
        return std::nullopt;
    }
    options.autoStart = parser.isSet(autoStartOption);
    options.once = parser.isSet(onceOption);
    options.exercise = parser.isSet(exerciseOption);
    options.screenshot = parser.value(screenshotOption);
    options.importPaths = parser.values(importPathOption);
    return options;
}

// --exercise: drives the window through two passes, looking every 50 ms; --once: one pass,
// nothing canceled or retried.
class Exercise : public QObject
{
public:
    Exercise(const Options &options, QQuickWindow *window, const LocalSite::SiteThread *site)
        : m_options(options), m_window(window), m_site(site)
    {
        if (options.once)
            m_phase = Once;
        connect(&m_poll, &QTimer::timeout, this, [this] { step(); });
        m_poll.start(50);
        QTimer::singleShot(options.deadlineSeconds * 1000, this, [this] { timedOut(); });
    }

private:
    QVariant call(const char *function)
    {
        QVariant value;
        QMetaObject::invokeMethod(m_window, function, Q_RETURN_ARG(QVariant, value));
        return value;
    }
    bool done() const { return m_window->property("done").toBool(); }
    QString summary()
    {
        const QVariantMap counts = call("summary").toMap();
        return QStringLiteral("%1 succeeded, %2 failed, %3 canceled")
                .arg(counts.value(QStringLiteral("succeeded")).toInt())
                .arg(counts.value(QStringLiteral("failed")).toInt())
                .arg(counts.value(QStringLiteral("canceled")).toInt());
    }

    void step()
    {
        const QString problem = m_window->property("problem").toString();
        if (!problem.isEmpty() && m_phase != Over) {
            fail(qPrintable(problem));
            return;
        }
        switch (m_phase) {
        case Once: {
            if (!done())
                return;
            const QVariantMap counts = call("summary").toMap();
            for (const QVariant &line : call("rowLines").toList())
                std::printf("%s\n", qUtf8Printable(line.toString()));
            std::printf("qml-downloads: %s\nqml-downloads: %s\n", qUtf8Printable(summary()),
                        qUtf8Printable(m_window->property("statusText").toString()));
            m_phase = Over;
            m_poll.stop();
            const bool allSucceeded = counts.value(QStringLiteral("failed")).toInt() == 0
                    && counts.value(QStringLiteral("canceled")).toInt() == 0;
            QCoreApplication::exit(saveScreenshot() && allSucceeded ? 0 : 1);
            break;
        }
        case CancelSlow: {
            // 6.bin: a slow file of the embedded site (its body comes in parts for 2 s).
            QVariant canceled;
            QMetaObject::invokeMethod(m_window, "cancelRunning", Q_RETURN_ARG(QVariant, canceled),
                                      Q_ARG(QVariant, QStringLiteral("6.bin")));
            if (canceled.toBool()) {
                std::printf("qml-downloads: canceled 6.bin while it ran\n");
                m_phase = FirstPass;
            } else if (done()) {
                fail("the first pass ended before a slow download could be canceled");
            }
            break;
        }
        case FirstPass:
            if (!done())
                return;
            std::printf("qml-downloads: first pass: %s\n", qUtf8Printable(summary()));
            std::printf("qml-downloads: retrying %d\n", call("retryFailed").toInt());
            m_phase = SecondPass;
            break;
        case SecondPass:
            if (!done())
                return;
            std::printf("qml-downloads: second pass: %s\nqml-downloads: %s\n",
                        qUtf8Printable(summary()),
                        qUtf8Printable(m_window->property("statusText").toString()));
            if (m_site && m_site->server())
                std::printf("qml-downloads: the site saw at most %d requests at once\n",
                            m_site->server()->maxInFlight());
            m_phase = Over;
            m_poll.stop();
            QCoreApplication::exit(saveScreenshot() ? 0 : 1);
            break;
        case Over:
            break;
        }
        std::fflush(stdout);
    }

    void fail(const char *why)
    {
        m_phase = Over;
        m_poll.stop();
        const QString status = m_window->property("statusText").toString();
        if (status == QLatin1String(why))
            std::fprintf(stderr, "qml-downloads: %s\n", why);
        else
            std::fprintf(stderr, "qml-downloads: %s; %s\n", why, qUtf8Printable(status));
        saveScreenshot(); // for the post-mortem
        QCoreApplication::exit(1);
    }

    void timedOut()
    {
        if (m_phase != Over)
            fail(qPrintable(QStringLiteral("not done after %1 s").arg(m_options.deadlineSeconds)));
    }

    bool saveScreenshot()
    {
        return m_options.screenshot.isEmpty()
                || QmlAppSupport::saveScreenshot("qml-downloads", m_window->grabWindow(),
                                                 m_options.screenshot);
    }

    enum Phase { Once, CancelSlow, FirstPass, SecondPass, Over };
    const Options m_options;
    QQuickWindow *const m_window;
    const LocalSite::SiteThread *const m_site;
    QTimer m_poll;
    Phase m_phase = CancelSlow;
};

} // namespace

int main(int argc, char *argv[])
{
    QGuiApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("qml-downloads"));

    const std::optional<Options> options = readOptions(app);
    if (!options)
        return 2;
    const bool driven = options->exercise || options->once;
    if (driven)
        QmlAppSupport::QmlWarnings::countMessages();
    // Headless (tests, CI): Qt Quick's software renderer needs no OpenGL.
    if (QGuiApplication::platformName() == QLatin1String("offscreen"))
        QQuickWindow::setGraphicsApi(QSGRendererInterface::Software);

    std::optional<LocalSite::SiteThread> site;
    QUrl list = options->listUrl;
    if (list.isEmpty()) {
        LocalSite::SiteOptions siteOptions;
        siteOptions.pages = 1;
        site.emplace(siteOptions);
        if (!site->start()) {
            std::fprintf(stderr, "qml-downloads: the embedded site cannot listen on 127.0.0.1\n");
            return 1;
        }
        list = site->url().resolved(QUrl(QStringLiteral("/files/")));
        std::printf("qml-downloads: the embedded site lists %d files at %s\n", siteOptions.files,
                    qUtf8Printable(list.toDisplayString()));
        std::fflush(stdout);
    }

    int exitCode;
    {
        QQmlApplicationEngine engine;
        if (driven)
            QmlAppSupport::QmlWarnings::countEngineErrors(engine);
        engine.addImportPath(QStringLiteral(AIOUTILS_QML_IMPORT_DIR));
        for (const QString &path : options->importPaths)
            engine.addImportPath(path);
        engine.setInitialProperties({
                { QStringLiteral("listUrl"), list.toString() },
                { QStringLiteral("concurrency"), options->concurrency },
                { QStringLiteral("perHost"), options->perHost },
                { QStringLiteral("rate"), options->rate },
                { QStringLiteral("retries"), options->retries },
                { QStringLiteral("autoStart"), options->autoStart || driven },
        });
        engine.load(QUrl(QStringLiteral("qrc:/qml-downloads/Main.qml")));
        auto *window = engine.rootObjects().isEmpty()
                ? nullptr
                : qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());
        if (!window) {
            std::fprintf(stderr,
                         "qml-downloads: Main.qml did not load (is AioUtils/qmldir in an "
                         "import path? --import-path adds one)\n");
            return 1;
        }
        std::optional<Exercise> exercise;
        if (driven)
            exercise.emplace(*options, window, site ? &*site : nullptr);
        exitCode = QGuiApplication::exec();
        exercise.reset();
        // The engine goes here, and the pool with it: downloads still running are aborted.
    }

    if (driven && QmlAppSupport::QmlWarnings::count() > 0) {
        std::fprintf(stderr, "qml-downloads: %d QML warning(s); see above\n",
                     QmlAppSupport::QmlWarnings::count());
        if (exitCode == 0)
            exitCode = 3;
    }
    return exitCode;
}
