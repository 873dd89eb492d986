// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// The crawler as a Qt Quick application: the crawl is JavaScript in Main.qml, on the QML module
// (`import AioUtils`: a Bag of N slots, Http.get()); what it reads from a page and which URLs are
// one page are the C++ crawlers' rules, the singleton CrawlRules (qmlcrawlrules.h, `import
// QmlCrawler`, declared with QML_SINGLETON: nothing to register here). This file starts the
// embedded site, loads the window, and for tests drives it: --auto-start, then --screenshot FILE
// saves the window once the crawl is done (or --quit-after-rows rows have arrived) and quits. In
// that mode a QML warning fails the run.

#include "localsite.h"
#include "qmlappsupport.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QTimer>
#include <QtCore/QUrl>
#include <QtGui/QGuiApplication>
#include <QtGui/QImage>
#include <QtQml/QQmlApplicationEngine>
#include <QtQml/QQmlProperty>
#include <QtQuick/QQuickWindow>

#include <cstdio>
#include <optional>

namespace {

struct Options
{
    QUrl url; // empty: the embedded site
    int concurrency = 4;
    int maxPages = 500;
    int sitePages = 300;
    bool ordered = false;
    bool autoStart = false;
    int retries = 0;
    int perHost = 0;
    double rate = 0;
    bool print = false;
    QString screenshot;
    int quitAfterRows = 0;
    int deadlineSeconds = 60;
    QStringList importPaths;

    bool testMode() const { return !screenshot.isEmpty() || quitAfterRows > 0; }
};

bool readInt(const QCommandLineParser &parser, const QCommandLineOption &option, int min, int max,
             int *value)
{
    return QmlAppSupport::readInt("qml-crawler", parser, option, min, max, value);
}

std::optional<Options> readOptions(const QCoreApplication &app)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
            QStringLiteral("Crawls a web site from a Qt Quick window, with the AioUtils QML "
                           "module. Without --url it crawls an embedded site on 127.0.0.1."));
    parser.addHelpOption();
    const QCommandLineOption urlOption(QStringLiteral("url"),
                                       QStringLiteral("Start URL (default: the embedded site)."),
                                       QStringLiteral("url"));
    const QCommandLineOption concurrencyOption(
            QStringLiteral("concurrency"),
            QStringLiteral("Requests at once, the Bag's maxConcurrency (default 4)."),
            QStringLiteral("n"));
    const QCommandLineOption maxPagesOption(QStringLiteral("max-pages"),
                                            QStringLiteral("Pages at most (default 500)."),
                                            QStringLiteral("n"));
    const QCommandLineOption sitePagesOption(
            QStringLiteral("site-pages"),
            QStringLiteral("Pages of the embedded site (default 300)."), QStringLiteral("n"));
    const QCommandLineOption orderedOption(
            QStringLiteral("ordered"), QStringLiteral("Show pages in spawn order (OrderedBag)."));
    const QCommandLineOption retriesOption(
            QStringLiteral("retries"),
            QStringLiteral("Tries a request again up to n times after a 429, a 503, a timeout or "
                           "a lost connection, honouring Retry-After (default 0)."),
            QStringLiteral("n"));
    const QCommandLineOption perHostOption(
            QStringLiteral("per-host"),
            QStringLiteral("Requests at once to one host, 1 to 256 (the bag's limitPerKey; "
                           "default: no limit but --concurrency)."),
            QStringLiteral("n"));
    const QCommandLineOption rateOption(
            QStringLiteral("rate"),
            QStringLiteral("Requests per second to one host, up to 10000 (rateLimitPerKey; 0, "
                           "the default, means no limit)."),
            QStringLiteral("r"));
    const QCommandLineOption printOption(
            QStringLiteral("print"),
            QStringLiteral("Also print each page on stdout, as examples/crawler does."));
    const QCommandLineOption autoStartOption(QStringLiteral("auto-start"),
                                             QStringLiteral("Start crawling at once."));
    const QCommandLineOption screenshotOption(
            QStringLiteral("screenshot"),
            QStringLiteral("Test mode: when the crawl is done (or --quit-after-rows rows "
                           "arrived), save the window as a PNG file and quit."),
            QStringLiteral("file"));
    const QCommandLineOption quitAfterRowsOption(
            QStringLiteral("quit-after-rows"),
            QStringLiteral("Test mode: quit (after the screenshot, if any) once n rows arrived."),
            QStringLiteral("n"));
    const QCommandLineOption deadlineOption(
            QStringLiteral("deadline"),
            QStringLiteral("Test mode: fail if not done after this many seconds (default 60)."),
            QStringLiteral("seconds"));
    const QCommandLineOption importPathOption(
            QStringLiteral("import-path"),
            QStringLiteral("One more QML import path (where AioUtils/qmldir is)."),
            QStringLiteral("dir"));
    parser.addOptions({ urlOption, concurrencyOption, maxPagesOption, sitePagesOption,
                        retriesOption, perHostOption, rateOption, printOption, orderedOption,
                        autoStartOption, screenshotOption, quitAfterRowsOption, deadlineOption,
                        importPathOption });
    if (!parser.parse(QCoreApplication::arguments())) {
        QString error = parser.errorText(); // one line: its sentence, then the hint
        if (error.endsWith(QLatin1Char('.')))
            error.chop(1);
        std::fprintf(stderr, "qml-crawler: %s (see --help)\n", qUtf8Printable(error));
        return std::nullopt;
    }
    parser.process(app); // only --help is left for it

    Options options;
    if (!readInt(parser, concurrencyOption, 1, 256, &options.concurrency)
        || !readInt(parser, maxPagesOption, 1, 1000000, &options.maxPages)
        || !readInt(parser, sitePagesOption, 1, 100000, &options.sitePages)
        || !readInt(parser, retriesOption, 0, 10, &options.retries)
        || !readInt(parser, perHostOption, 1, 256, &options.perHost)
        || !readInt(parser, quitAfterRowsOption, 1, 1000000, &options.quitAfterRows)
        || !readInt(parser, deadlineOption, 1, 24 * 3600, &options.deadlineSeconds)) {
        return std::nullopt;
    }
    if (parser.isSet(rateOption)) {
        bool ok = false;
        options.rate = parser.value(rateOption).toDouble(&ok);
        if (!ok || !(options.rate >= 0 && options.rate <= 10000)) {
            std::fprintf(stderr, "qml-crawler: --rate must be a number in [0, 10000]\n");
            return std::nullopt;
        }
    }
    if (!parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "qml-crawler: unexpected argument '%s' (see --help)\n",
                     qUtf8Printable(parser.positionalArguments().constFirst()));
        return std::nullopt;
    }
    if (parser.isSet(urlOption)) {
        options.url = QUrl::fromUserInput(parser.value(urlOption));
        const QString scheme = options.url.scheme();
        if (!options.url.isValid()
            || (scheme != QLatin1String("http") && scheme != QLatin1String("https"))) {
            std::fprintf(stderr, "qml-crawler: '%s' is not a valid http(s) URL\n",
                         qUtf8Printable(parser.value(urlOption)));
            return std::nullopt;
        }
    }
    options.ordered = parser.isSet(orderedOption);
    options.autoStart = parser.isSet(autoStartOption);
    options.print = parser.isSet(printOption);
    options.screenshot = parser.value(screenshotOption);
    options.importPaths = parser.values(importPathOption);
    return options;
}

// --print: each page on stdout in examples/crawler's format (status, bytes, URL, title or error),
// so that one script checks both crawlers' pages.
class RowPrinter : public QObject
{
    Q_OBJECT

public Q_SLOTS:
    void print(const QVariant &row)
    {
        const QVariantMap page = row.toMap();
        const int status = page.value(QStringLiteral("status")).toInt();
        const QString error = page.value(QStringLiteral("error")).toString();
        std::printf("%-3s %7lld  %s  %s\n",
                    qUtf8Printable(status > 0 ? QString::number(status) : QStringLiteral("ERR")),
                    static_cast<long long>(page.value(QStringLiteral("bytes")).toLongLong()),
                    qUtf8Printable(
                            QUrl(page.value(QStringLiteral("url")).toString()).toDisplayString()),
                    qUtf8Printable(error.isEmpty() ? page.value(QStringLiteral("title")).toString()
                                                   : error));
        std::fflush(stdout);
    }
};

// Test mode: waits until the crawl is done (or enough rows arrived), saves the screenshot and
// quits; fails after the deadline.
class TestDriver : public QObject
{
    Q_OBJECT

public:
    TestDriver(const Options &options, QQuickWindow *window) : m_options(options), m_window(window)
    {
        QQmlProperty(window, QStringLiteral("rows")).connectNotifySignal(this, SLOT(check()));
        QQmlProperty(window, QStringLiteral("crawlDone")).connectNotifySignal(this, SLOT(check()));
        QTimer::singleShot(options.deadlineSeconds * 1000, this, [this] { timedOut(); });
        check();
    }

private Q_SLOTS:
    void check();

private:
    int rows() const { return m_window->property("rows").toInt(); }
    bool crawlDone() const { return m_window->property("crawlDone").toBool(); }

    void finish()
    {
        // grabWindow() lays the view out first: the rows are counted after it.
        const QImage image = m_window->grabWindow();
        const int count = rows();
        std::printf("qml-crawler: %d rows; %s\n", count,
                    qUtf8Printable(m_window->property("statusText").toString()));
        std::fflush(stdout);
        if (count == 0) {
            std::fprintf(stderr, "qml-crawler: the crawl ended without a row\n");
            QCoreApplication::exit(1);
            return;
        }
        QCoreApplication::exit(saveScreenshot(image) ? 0 : 1);
    }

    void timedOut()
    {
        if (m_done)
            return;
        m_done = true;
        const QImage image = m_window->grabWindow();
        std::fprintf(stderr, "qml-crawler: not done after %d s (%d rows); %s\n",
                     m_options.deadlineSeconds, rows(),
                     qUtf8Printable(m_window->property("statusText").toString()));
        saveScreenshot(image); // for the post-mortem
        QCoreApplication::exit(1);
    }

    bool saveScreenshot(const QImage &image)
    {
        return m_options.screenshot.isEmpty()
                || QmlAppSupport::saveScreenshot("qml-crawler", image, m_options.screenshot);
    }

    const Options m_options;
    QQuickWindow *const m_window;
    bool m_done = false;
};

void TestDriver::check()
{
    if (m_done)
        return;
    const bool enoughRows = m_options.quitAfterRows > 0 && rows() >= m_options.quitAfterRows;
    if (!crawlDone() && !enoughRows)
        return;
    m_done = true;
    // Not from inside the QML signal handler that changed the property: from the event loop.
    QTimer::singleShot(0, this, [this] { finish(); });
}

} // namespace

int main(int argc, char *argv[])
{
    QGuiApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("qml-crawler"));

    const std::optional<Options> options = readOptions(app);
    if (!options)
        return 2;
    if (options->testMode())
        QmlAppSupport::QmlWarnings::countMessages();
    // Headless (tests, CI): Qt Quick's software renderer needs no OpenGL.
    if (QGuiApplication::platformName() == QLatin1String("offscreen"))
        QQuickWindow::setGraphicsApi(QSGRendererInterface::Software);

    std::optional<LocalSite::SiteThread> site;
    QUrl start = options->url;
    if (start.isEmpty()) {
        LocalSite::SiteOptions siteOptions;
        siteOptions.pages = options->sitePages;
        site.emplace(siteOptions);
        if (!site->start()) {
            std::fprintf(stderr, "qml-crawler: the embedded site cannot listen on 127.0.0.1\n");
            return 1;
        }
        start = site->url();
        std::printf("qml-crawler: the embedded site: %d pages at %s\n", site->pageCount(),
                    qUtf8Printable(start.toDisplayString()));
        std::fflush(stdout);
    }

    int exitCode;
    {
        QQmlApplicationEngine engine;
        if (options->testMode())
            QmlAppSupport::QmlWarnings::countEngineErrors(engine);
        engine.addImportPath(QStringLiteral(AIOUTILS_QML_IMPORT_DIR));
        for (const QString &path : options->importPaths)
            engine.addImportPath(path);
        engine.setInitialProperties({
                { QStringLiteral("startUrl"), start.toString() },
                { QStringLiteral("concurrency"), options->concurrency },
                { QStringLiteral("maxPages"), options->maxPages },
                { QStringLiteral("ordered"), options->ordered },
                { QStringLiteral("autoStart"), options->autoStart },
                { QStringLiteral("retries"), options->retries },
                { QStringLiteral("perHost"), options->perHost },
                { QStringLiteral("rate"), options->rate },
        });
        engine.load(QUrl(QStringLiteral("qrc:/qml-crawler/Main.qml")));
        auto *window = engine.rootObjects().isEmpty()
                ? nullptr
                : qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());
        if (!window) {
            std::fprintf(stderr,
                         "qml-crawler: Main.qml did not load (is AioUtils/qmldir in an "
                         "import path? --import-path adds one)\n");
            return 1;
        }
        RowPrinter printer;
        if (options->print)
            QObject::connect(window, SIGNAL(pageShown(QVariant)), &printer, SLOT(print(QVariant)));
        std::optional<TestDriver> driver;
        if (options->testMode())
            driver.emplace(*options, window);
        exitCode = QGuiApplication::exec();
        driver.reset();
        // The engine goes here, and the crawl's Bag with it: requests still running are aborted.
    }

    if (options->testMode() && QmlAppSupport::QmlWarnings::count() > 0) {
        std::fprintf(stderr, "qml-crawler: %d QML warning(s); see above\n",
                     QmlAppSupport::QmlWarnings::count());
        if (exitCode == 0)
            exitCode = 3;
    }
    return exitCode;
}

#include "main.moc"
