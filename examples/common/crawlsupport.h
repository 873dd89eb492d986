// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// What the two C++ crawlers share (examples/crawler with yielding(), examples/coro-crawler with
// coroutines): the page a task hands out, the options, the parsing of a page (crawlrules.h: title,
// links, one spelling per URL), the crawl's state (CrawlerBase), the output, Ctrl-C, and the
// summary. Each crawler is one main.cpp with this.

#ifndef CRAWLSUPPORT_H
#define CRAWLSUPPORT_H

#include "crawlrules.h"
#include "localsite.h"

#include <AioUtils/Bag>
#include <AioUtils/Network>
#include <AioUtils/NetworkError>
#include <AioUtils/OrderedBag>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QSet>
#include <QtCore/QSocketNotifier>
#include <QtCore/QUrl>
#include <QtCore/QVariant>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkRequest>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace Crawl {

// What the bag hands out: one per page, fetched or failed.
struct Page
{
    QUrl url;       // where the page is: the final URL, after redirects
    QUrl requested; // the link that was followed to it
    int status = 0; // the HTTP status; 0 if there was no answer (a network error)
    qint64 bytes = 0;
    QString title;
    QString error;        // empty if the page arrived
    qint64 elapsedMs = 0; // this request's own time, from its start to its end (retries included)
    // Reached through a redirect at a URL another task had recorded already: not a new page.
    bool duplicate = false;

    bool failed() const { return !error.isEmpty(); }
};

} // namespace Crawl

// The bags keep results as QVariants.
Q_DECLARE_METATYPE(Crawl::Page)

namespace Crawl {

struct Options
{
    int concurrency = 8;
    int maxPages = 1000;
    bool ordered = false;
    int timeoutMs = 10000;
    int retries =
            0; // more attempts of a request after a 429, a 503, a timeout or a lost connection
    int sitePages = 300;
    int perHost = 0; // requests at once to one host (limitPerKey), 0: no limit but concurrency
    double rate = 0; // requests per second to one host (rateLimitPerKey), 0: no limit
    QUrl url;        // empty: crawl the embedded site
};

// QNetworkAccessManager opens at most six connections to one host and queues the other requests;
// Qt 6.4 has no setting for it (QHttp1Configuration came in Qt 6.5). More requests at once take
// more managers.
constexpr int ConnectionsPerManager = 6;

// The crawl's state that both C++ crawlers share: the bag (an OrderedBag with --ordered), the
// network access managers, and the pages seen so far. Each crawler makes a page's task its own
// way (spawnTask()). Lives on the main thread, which is the bag's thread.
class CrawlerBase : public QObject
{
public:
    explicit CrawlerBase(const Options &options)
        : m_options(options),
          m_bag(options.ordered ? std::make_unique<AioUtils::OrderedBag>(options.concurrency)
                                : std::make_unique<AioUtils::Bag>(options.concurrency))
    {
        // A task's clock starts when its request does: time queued for a slot does not count.
        m_bag->setTaskTimeout(options.timeoutMs);
        // Each page's task is keyed by its host (Key::host()): polite to each server, while the
        // pages of other hosts, queued behind, do not wait (no head-of-line blocking).
        m_bag->setLimitPerKey(options.perHost);
        m_bag->setRateLimitPerKey(options.rate);
        const int managers =
                (options.concurrency + ConnectionsPerManager - 1) / ConnectionsPerManager;
        for (int i = 0; i < managers; ++i)
            m_managers.push_back({ new QNetworkAccessManager(this), 0 });
    }

    AioUtils::Bag &bag() const { return *m_bag; }
    void start(const QUrl &url)
    {
        m_start = canonical(url);
        spawnPage(m_start);
    }
    void cancel()
    {
        if (m_canceled)
            return;
        m_canceled = true;
        m_canceledRequests = m_bag->runningCount();
        m_bag->cancel();
    }
    bool isCanceled() const { return m_canceled; }
    int canceledRequests() const { return m_canceledRequests; }
    // Called for each page that missed its deadline: the bag's task failed with TimeoutError,
    // so no Page comes out of the bag for it.
    void onTimedOut(std::function<void(const Page &)> callback)
    {
        m_onTimedOut = std::move(callback);
    }

protected:
    struct Manager
    {
        QNetworkAccessManager *nam;
        int active; // requests in flight on it
    };

    // The task of a page: spawned into bag() by each crawler its own way.
    virtual void spawnTask(const QUrl &url) = 0;

    // The least busy manager, which counts one more request (the caller ends it: --active).
    Manager *takeManager()
    {
        Manager *manager = &*std::min_element(
                m_managers.begin(), m_managers.end(),
                [](const Manager &a, const Manager &b) { return a.active < b.active; });
        ++manager->active;
        return manager;
    }
    int requestsInFlight() const
    {
        int running = 0;
        for (const Manager &manager : m_managers)
            running += manager.active;
        return running;
    }
    static QNetworkRequest requestOf(const QUrl &url)
    {
        QNetworkRequest request(url);
        request.setHeader(QNetworkRequest::UserAgentHeader, QByteArrayLiteral("AioUtils-crawler"));
        return request;
    }

    // What each request asks for: --retries more attempts after a 429, a 503, a timeout or a
    // lost connection (a request waiting for its retry gives its slot to another page).
    AioUtils::RequestOptions requestOptions() const
    {
        AioUtils::RequestOptions options;
        options.retry.maxAttempts = 1 + m_options.retries;
        options.retry.initialBackoffMs = 250;
        options.retry.maxBackoffMs = 5000;
        return options;
    }

    // The page of a successful answer, under its final URL: the base of its links, and its
    // identity (two links that redirect to one page give that page once; the second is a
    // duplicate). Spawns a task for each new same-site link of an HTML page first; only HTML
    // has links and a title.
    Page readPage(const QUrl &requested, const AioUtils::Response &response)
    {
        Page page;
        page.requested = requested;
        page.url = canonical(response.url);
        page.status = response.status;
        page.bytes = response.body.size();
        if (m_recorded.contains(page.url)) {
            page.duplicate = true;
            return page;
        }
        m_recorded.insert(page.url);
        m_seen.insert(page.url); // reached through a redirect: no task of its own later
        if (!isHtml(response.contentType))
            return page;
        const QString html = response.text();
        page.title = titleOf(html);
        const QList<QUrl> links = linksOf(html, page.url);
        for (const QUrl &link : links) {
            if (sameSite(link, m_start))
                spawnPage(link);
        }
        return page;
    }
    // The page of a failed request: the answer's status, if one came (0 when none did).
    static Page failedPage(const QUrl &requested, const AioUtils::NetworkError &error)
    {
        Page page;
        page.requested = requested;
        const AioUtils::Response &response = error.response();
        page.url = response.status > 0 ? canonical(response.url) : requested;
        page.status = response.status;
        page.bytes = response.body.size();
        page.error = error.errorString();
        return page;
    }
    // A page's task was canceled: by its deadline (then it is reported), or by cancel().
    void pageCanceled(const QUrl &url, qint64 elapsedMs)
    {
        if (m_canceled || !m_onTimedOut)
            return;
        Page timedOut;
        timedOut.url = url;
        timedOut.requested = url;
        timedOut.error =
                QStringLiteral("timed out after %1 ms (--timeout)").arg(m_bag->taskTimeout());
        timedOut.elapsedMs = elapsedMs;
        m_onTimedOut(timedOut);
    }

    const Options m_options;

private:
    // A task for each page not seen yet, up to --max-pages.
    void spawnPage(const QUrl &url)
    {
        if (m_canceled || m_spawned >= m_options.maxPages || m_seen.contains(url))
            return;
        m_seen.insert(url);
        ++m_spawned;
        spawnTask(url);
    }

    QUrl m_start;
    std::vector<Manager> m_managers;
    // Declared after the managers: destroyed first, it cancels what still runs while they live.
    std::unique_ptr<AioUtils::Bag> m_bag;
    QSet<QUrl> m_seen;     // every page a task was spawned for, or reached by a redirect
    QSet<QUrl> m_recorded; // the final URLs of the pages that arrived
    int m_spawned = 0;
    bool m_canceled = false;
    int m_canceledRequests = 0;
    std::function<void(const Page &)> m_onTimedOut;
};

// Ctrl-C. A signal handler may do next to nothing, so it writes a byte into a pipe (write() is
// async-signal-safe); a QSocketNotifier on the other end turns that into an ordinary event on the
// main thread, even while the main thread waits inside bag.yielding() (or runs app.exec()). The
// handler stays installed: canceling twice is harmless, and one Ctrl-C may arrive twice (timeout(1)
// signals both the program and its process group).
class InterruptNotifier
{
public:
    explicit InterruptNotifier(std::function<void()> onInterrupt);
    ~InterruptNotifier();

private:
    static void handleSignal(int);
    inline static int s_pipe[2] = { -1, -1 };

    std::unique_ptr<QSocketNotifier> m_notifier;
    struct sigaction m_previous = {};
    bool m_installed = false;

    Q_DISABLE_COPY(InterruptNotifier)
};

inline InterruptNotifier::InterruptNotifier(std::function<void()> onInterrupt)
{
    if (::pipe(s_pipe) != 0) {
        std::perror(qPrintable(QCoreApplication::applicationName() + QStringLiteral(": pipe")));
        return;
    }
    for (const int fd : s_pipe) {
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    m_notifier = std::make_unique<QSocketNotifier>(s_pipe[0], QSocketNotifier::Read);
    QObject::connect(m_notifier.get(), &QSocketNotifier::activated, m_notifier.get(),
                     [onInterrupt = std::move(onInterrupt)] {
                         char byte;
                         while (::read(s_pipe[0], &byte, 1) > 0) { }
                         onInterrupt();
                     });
    struct sigaction action = {};
    action.sa_handler = &InterruptNotifier::handleSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    m_installed = ::sigaction(SIGINT, &action, &m_previous) == 0;
}

inline InterruptNotifier::~InterruptNotifier()
{
    if (m_installed)
        ::sigaction(SIGINT, &m_previous, nullptr);
    m_notifier.reset();
    for (int &fd : s_pipe) {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }
}

inline void InterruptNotifier::handleSignal(int)
{
    const int savedErrno = errno;
    const char byte = 1;
    [[maybe_unused]] const ssize_t written = ::write(s_pipe[1], &byte, 1);
    errno = savedErrno;
}

// The "\r"-updated progress line on stderr, if stderr is a terminal.
class Progress
{
public:
    void show(const AioUtils::Bag &bag, int done)
    {
        if (!m_enabled)
            return;
        std::fprintf(stderr, "\r%d/%d pages, %d running, %d queued\033[K", done, bag.spawnedCount(),
                     bag.runningCount(), bag.queuedCount());
        std::fflush(stderr);
        m_shown = true;
    }
    void clear()
    {
        if (!m_shown)
            return;
        std::fprintf(stderr, "\r\033[K");
        std::fflush(stderr);
        m_shown = false;
    }

private:
    const bool m_enabled = ::isatty(STDERR_FILENO) == 1;
    bool m_shown = false;
};

inline void printPage(const Page &page)
{
    const QString status = page.status > 0 ? QString::number(page.status) : QStringLiteral("ERR");
    std::printf("%-3s %7lld  %s  %s\n", qUtf8Printable(status), static_cast<long long>(page.bytes),
                qUtf8Printable(page.url.toDisplayString()),
                qUtf8Printable(page.failed() ? page.error : page.title));
    std::fflush(stdout);
}

// Reads an integer option in [min, max]; false (with a message) if it is not one.
inline bool readInt(const QCommandLineParser &parser, const QCommandLineOption &option, int min,
                    int max, int *value)
{
    if (!parser.isSet(option))
        return true;
    bool ok = false;
    const QString text = parser.value(option);
    const int number = text.toInt(&ok);
    if (!ok || number < min || number > max) {
        std::fprintf(stderr, "%s: --%s must be an integer from %d to %d, not \"%s\"\n",
                     qUtf8Printable(QCoreApplication::applicationName()),
                     qUtf8Printable(option.names().constFirst()), min, max, qUtf8Printable(text));
        return false;
    }
    *value = number;
    return true;
}

// Reads a rate option (per second) in [0, max]; false (with a message) if it is not one.
inline bool readRate(const QCommandLineParser &parser, const QCommandLineOption &option, double max,
                     double *value)
{
    if (!parser.isSet(option))
        return true;
    bool ok = false;
    const QString text = parser.value(option);
    const double number = text.toDouble(&ok);
    if (!ok || !(number >= 0 && number <= max)) {
        std::fprintf(stderr, "%s: --%s must be a number from 0 to %g, not \"%s\"\n",
                     qUtf8Printable(QCoreApplication::applicationName()),
                     qUtf8Printable(option.names().constFirst()), max, qUtf8Printable(text));
        return false;
    }
    *value = number;
    return true;
}

// The URL to crawl; std::nullopt (with a message) if it is not an http or https URL.
inline std::optional<QUrl> readUrl(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    // "localhost:8080" parses as the scheme "localhost": without "://" it is no web address yet.
    const bool hasScheme = !url.scheme().isEmpty() && text.contains(QLatin1String("://"));
    if (hasScheme && !isWebScheme(url.scheme())) {
        std::fprintf(stderr, "%s: only http and https URLs can be crawled, not \"%s\"\n",
                     qUtf8Printable(QCoreApplication::applicationName()), qUtf8Printable(text));
        return std::nullopt;
    }
    if (!url.isValid() || !hasScheme || url.host().isEmpty()) {
        const QString reason = text.trimmed().isEmpty() ? QStringLiteral("it is empty")
                : url.isValid() || url.errorString().isEmpty()
                ? QStringLiteral("it needs http:// or https:// and a host")
                : url.errorString();
        std::fprintf(stderr, "%s: \"%s\" is not a valid URL (%s)\n",
                     qUtf8Printable(QCoreApplication::applicationName()), qUtf8Printable(text),
                     qUtf8Printable(reason));
        return std::nullopt;
    }
    return url;
}

// The options, or std::nullopt (with a message) for bad input.
inline std::optional<Options> readOptions(const QCoreApplication &app)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
            "Crawls a web site breadth-first, following its same-site links, with at most N "
            "requests at once: each page is a task in an AioUtils::Bag that spawns its links into "
            "the same bag. Without a URL it crawls a made-up site served by this program."));
    parser.addHelpOption();
    const QCommandLineOption concurrencyOption(
            QStringLiteral("concurrency"),
            QStringLiteral("Requests at once, 1 to 256 (default 8)."), QStringLiteral("n"));
    const QCommandLineOption maxPagesOption(
            QStringLiteral("max-pages"),
            QStringLiteral("Pages to fetch at most, 1 to 1000000 (default 1000)."),
            QStringLiteral("n"));
    const QCommandLineOption orderedOption(
            QStringLiteral("ordered"),
            QStringLiteral("Print the pages in the order they were found (an OrderedBag), not in "
                           "the order they arrive."));
    const QCommandLineOption timeoutOption(
            QStringLiteral("timeout"),
            QStringLiteral("Each page's deadline: a page whose request takes longer than this "
                           "many milliseconds is aborted and reported as timed out; 0 means "
                           "none (default 10000)."),
            QStringLiteral("ms"));
    const QCommandLineOption retriesOption(
            QStringLiteral("retries"),
            QStringLiteral("Tries a request again up to this many times after a 429, a 503, a "
                           "timeout or a lost connection, honouring Retry-After (default 0)."),
            QStringLiteral("n"));
    const QCommandLineOption sitePagesOption(
            QStringLiteral("site-pages"),
            QStringLiteral("Pages of the embedded site, 1 to 100000 (default 300)."),
            QStringLiteral("n"));
    const QCommandLineOption perHostOption(
            QStringLiteral("per-host"),
            QStringLiteral("Requests at once to one host (scheme, host and port), 1 to 256; "
                           "default: no limit but --concurrency."),
            QStringLiteral("n"));
    const QCommandLineOption rateOption(
            QStringLiteral("rate"),
            QStringLiteral("Requests per second to one host, spaced evenly, up to 10000 (may be "
                           "fractional: 0.5 is one each 2 s); 0 means no limit (default)."),
            QStringLiteral("r"));
    parser.addOptions({ concurrencyOption, maxPagesOption, orderedOption, timeoutOption,
                        retriesOption, sitePagesOption, perHostOption, rateOption });
    parser.addPositionalArgument(QStringLiteral("url"),
                                 QStringLiteral("The http or https URL to start from (default: "
                                                "the embedded site)."),
                                 QStringLiteral("[url]"));

    if (!parser.parse(QCoreApplication::arguments())) {
        // One line: QCommandLineParser's own sentence ("Unknown option 'x'.") and the hint.
        QString error = parser.errorText();
        if (error.endsWith(QLatin1Char('.')))
            error.chop(1);
        std::fprintf(stderr, "%s: %s (see --help)\n",
                     qUtf8Printable(QCoreApplication::applicationName()), qUtf8Printable(error));
        return std::nullopt;
    }
    // Valid options now: process() only acts on --help.
    parser.process(app);

    Options options;
    if (!readInt(parser, concurrencyOption, 1, 256, &options.concurrency)
        || !readInt(parser, maxPagesOption, 1, 1000000, &options.maxPages)
        || !readInt(parser, timeoutOption, 0, 24 * 3600 * 1000, &options.timeoutMs)
        || !readInt(parser, retriesOption, 0, 10, &options.retries)
        || !readInt(parser, sitePagesOption, 1, 100000, &options.sitePages)
        || !readInt(parser, perHostOption, 1, 256, &options.perHost)
        || !readRate(parser, rateOption, 10000, &options.rate)) {
        return std::nullopt;
    }
    options.ordered = parser.isSet(orderedOption);

    const QStringList positional = parser.positionalArguments();
    if (positional.size() > 1) {
        std::fprintf(stderr, "%s: one URL at most, not %lld (see --help)\n",
                     qUtf8Printable(QCoreApplication::applicationName()),
                     static_cast<long long>(positional.size()));
        return std::nullopt;
    }
    if (!positional.isEmpty()) {
        const std::optional<QUrl> url = readUrl(positional.constFirst());
        if (!url)
            return std::nullopt;
        options.url = *url;
    }
    return options;
}

// What the crawl did, for the summary.
struct Summary
{
    int pages = 0;
    int failures = 0;
    qint64 bytes = 0;
    qint64 requestMs = 0; // the sum of the requests' own times
    qint64 wallMs = 0;
    std::optional<Page> startPage;
    bool canceled = false;
    int canceledRequests = 0;

    // Counts the page; false for a duplicate (see Page), which is not printed either.
    bool add(const Page &page, const QUrl &start)
    {
        requestMs += page.elapsedMs;
        if (page.duplicate)
            return false;
        ++pages;
        failures += page.failed() ? 1 : 0;
        bytes += page.bytes;
        if (page.requested == start)
            startPage = page;
        return true;
    }

    void print(const Options &options, const LocalSite::SiteThread *site) const
    {
        std::printf("\n%s: %d pages, %lld bytes, %d failed (non-2xx, network error or timed out)\n",
                    canceled ? "canceled" : "done", pages, static_cast<long long>(bytes), failures);
        if (canceled)
            std::printf("canceled with %d requests in flight; they were aborted\n",
                        canceledRequests);
        std::printf("wall time                     %8.2f s\n", double(wallMs) / 1000.0);
        std::printf("one request at a time         %8.2f s (the sum of the requests' own times)\n",
                    double(requestMs) / 1000.0);
        if (pages > 1 && wallMs > 0) {
            std::printf("speed-up                      %8.1fx with %d requests at once\n",
                        double(requestMs) / double(wallMs), options.concurrency);
        }
        if (options.perHost > 0 || options.rate > 0) {
            std::printf(
                    "per host                      %s%s%s\n",
                    options.perHost > 0
                            ? qPrintable(QStringLiteral("at most %1 at once").arg(options.perHost))
                            : "",
                    options.perHost > 0 && options.rate > 0 ? ", " : "",
                    options.rate > 0 ? qPrintable(QStringLiteral("%1 per second").arg(options.rate))
                                     : "");
        }
        if (site) {
            std::printf("the site served %d requests, at most %d at once\n",
                        site->server()->requestCount(), site->server()->maxInFlight());
        }
        std::fflush(stdout);
    }
};

// The URL to start from: the one given, or the embedded site's, which `site` then serves (it is
// started here and stays up while `site` lives). Prints what is crawled how; std::nullopt (with a
// message) if the site cannot listen.
inline std::optional<QUrl> startCrawl(const Options &options,
                                      std::optional<LocalSite::SiteThread> &site)
{
    QUrl start = options.url;
    if (start.isEmpty()) {
        LocalSite::SiteOptions siteOptions;
        siteOptions.pages = options.sitePages;
        site.emplace(siteOptions);
        if (!site->start()) {
            std::fprintf(stderr, "%s: the embedded site cannot listen on 127.0.0.1\n",
                         qUtf8Printable(QCoreApplication::applicationName()));
            return std::nullopt;
        }
        start = site->url();
        std::printf("the embedded site: %d pages at %s\n", site->pageCount(),
                    qUtf8Printable(start.toDisplayString()));
    }
    std::printf("crawling %s with %s(%d), at most %d pages\n",
                qUtf8Printable(start.toDisplayString()), options.ordered ? "OrderedBag" : "Bag",
                options.concurrency, options.maxPages);
    std::fflush(stdout);
    return start;
}

// Prints the summary; then the exit code: 1 if the crawl broke (`ok` false) or its start page
// failed, 130 if it was canceled (Ctrl-C), else 0.
inline int finishCrawl(bool ok, const Summary &summary, const Options &options, const QUrl &start,
                       const std::optional<LocalSite::SiteThread> &site)
{
    summary.print(options, site ? &*site : nullptr);
    if (!ok)
        return 1;
    if (summary.canceled)
        return 130;
    if (!summary.startPage || summary.startPage->failed()) {
        std::fprintf(stderr, "%s: the start page %s failed\n",
                     qUtf8Printable(QCoreApplication::applicationName()),
                     qUtf8Printable(start.toDisplayString()));
        return 1;
    }
    return 0;
}

} // namespace Crawl

#endif // CRAWLSUPPORT_H
