// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// The crawler of examples/crawler written as C++20 coroutines (AioUtils::Coro, QCoro), on the
// application's own event loop: no nested event loop anywhere. Every page is a coroutine task in
// an AioUtils::Bag of N slots (an OrderedBag with --ordered):
//
//     bag.spawn([this, url] { return fetchPage(url); });   // QCoro::Task<Page>
//
// The task awaits its request (co_await AioUtils::finished(fetch(...))) and spawns a task for
// each new same-site link before it ends. One coroutine reads the pages as they arrive,
//
//     QCORO_FOREACH (const QVariant &v, AioUtils::results(bag))
//
// suspended between them while app.exec() runs everything else. The program checks what it
// promises: at every page, the only event loop running is app.exec() (QThread::loopLevel() is 1);
// it says so at the end, and exits with 1 if not. Same options, same pages, same output as
// examples/crawler; Ctrl-C cancels the bag, which aborts every request in flight.

#include "crawlsupport.h"

#include <AioUtils/Bag>
#include <AioUtils/Coro>
#include <AioUtils/Network>
#include <AioUtils/OrderedBag>
#include <AioUtils/TimeoutError>

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QSet>
#include <QtCore/QThread>
#include <QtCore/QTimer>
#include <QtCore/QUrl>
#include <QtCore/QVariant>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkRequest>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

using namespace Crawl;

namespace {

// Counts the moments the program ran inside a nested event loop: none, if it keeps its promise.
// app.exec() is loop level 1; a QEventLoop::exec() inside it (join(), next(), yielding()) is 2.
class NestedLoops
{
public:
    void check()
    {
        ++m_checks;
        if (QThread::currentThread()->loopLevel() != 1)
            ++m_nested;
    }
    int checks() const { return m_checks; }
    int nested() const { return m_nested; }

private:
    int m_checks = 0;
    int m_nested = 0;
};

// The crawl: the bag, the network access managers, the pages seen so far, and the requests in
// flight. Lives on the main thread, which is the bag's thread: every coroutine runs there.
class Crawler : public QObject
{
public:
    Crawler(const Options &options, NestedLoops *loops);

    AioUtils::Bag &bag() const { return *m_bag; }
    void start(const QUrl &url);
    void cancel();
    bool isCanceled() const { return m_canceled; }
    int canceledRequests() const { return m_canceledRequests; }
    // Finished once no request is in flight: the coroutines of canceled pages run on until their
    // aborted requests have ended, and the crawler must outlive them.
    QFuture<void> requestsEnded();
    // Called for each page that missed its deadline (the bag's taskTimeout): its task failed
    // with TimeoutError, so no Page comes out of the bag for it.
    void onTimedOut(std::function<void(const Page &)> callback)
    {
        m_onTimedOut = std::move(callback);
    }

private:
    struct Manager
    {
        QNetworkAccessManager *nam;
        int active;
    };

    void spawnPage(const QUrl &url);
    QCoro::Task<Page> fetchPage(QUrl url);
    Page readPage(const QUrl &url, const QByteArray &body);
    void requestEnded(Manager *manager);

    const Options m_options;
    NestedLoops *const m_loops;
    QUrl m_start;
    std::vector<Manager> m_managers;
    // Declared after the managers: destroyed first, it cancels what still runs while they live.
    std::unique_ptr<AioUtils::Bag> m_bag;
    QSet<QUrl> m_seen;
    int m_spawned = 0;
    int m_inFlight = 0;
    bool m_canceled = false;
    int m_canceledRequests = 0;
    std::optional<QPromise<void>> m_ended; // requestsEnded()
    std::function<void(const Page &)> m_onTimedOut;
};

Crawler::Crawler(const Options &options, NestedLoops *loops)
    : m_options(options), m_loops(loops),
      m_bag(options.ordered ? std::make_unique<AioUtils::OrderedBag>(options.concurrency)
                            : std::make_unique<AioUtils::Bag>(options.concurrency))
{
    // A task's clock starts when its request does: time queued for a free slot does not count.
    m_bag->setTaskTimeout(options.timeoutMs);
    const int managers = (options.concurrency + ConnectionsPerManager - 1) / ConnectionsPerManager;
    for (int i = 0; i < managers; ++i)
        m_managers.push_back({ new QNetworkAccessManager(this), 0 });
}

void Crawler::start(const QUrl &url)
{
    m_start = normalized(url);
    spawnPage(m_start);
}

void Crawler::cancel()
{
    if (m_canceled)
        return;
    m_canceled = true;
    m_canceledRequests = m_bag->runningCount();
    m_bag->cancel();
}

QFuture<void> Crawler::requestsEnded()
{
    if (!m_ended) {
        m_ended.emplace();
        m_ended->start();
        if (m_inFlight == 0) {
            m_ended->finish();
            QFuture<void> done = m_ended->future();
            m_ended.reset();
            return done;
        }
    }
    return m_ended->future();
}

void Crawler::requestEnded(Manager *manager)
{
    --manager->active;
    if (--m_inFlight == 0 && m_ended) {
        m_ended->finish();
        m_ended.reset();
    }
}

// A task for each page not seen yet, up to --max-pages.
void Crawler::spawnPage(const QUrl &url)
{
    if (m_canceled || m_spawned >= m_options.maxPages || m_seen.contains(url))
        return;
    m_seen.insert(url);
    ++m_spawned;
    // A coroutine task: called on the bag's thread once a slot is free; the task ends when the
    // coroutine does.
    m_bag->spawn([this, url] { return fetchPage(url); });
}

// One page's task. Its first part (up to the co_await) runs inside the task, so fetch() links the
// request to it: canceling the task (Ctrl-C, the deadline) aborts the request. A failed request
// is a Page too, so the bag never sees a failure.
QCoro::Task<Page> Crawler::fetchPage(QUrl url)
{
    Manager *manager = &*std::min_element(
            m_managers.begin(), m_managers.end(),
            [](const Manager &a, const Manager &b) { return a.active < b.active; });
    ++manager->active;
    ++m_inFlight;

    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::UserAgentHeader, QByteArrayLiteral("AioUtils-crawler"));
    QElapsedTimer clock;
    clock.start();
    // AioUtils::finished(): the future back, whatever its end (a canceled request has no body).
    const QFuture<QByteArray> body =
            co_await AioUtils::finished(AioUtils::fetch(manager->nam, request));
    m_loops->check();
    requestEnded(manager);

    Page page;
    page.url = url;
    if (body.isCanceled() && body.resultCount() == 0) {
        try {
            QFuture<QByteArray>(body).waitForFinished(); // throws the request's failure
            // No failure: canceled. By the deadline, not by the crawl's cancel()? Then the
            // page is one line; the bag has counted the task as failed with TimeoutError.
            if (!m_canceled && m_onTimedOut) {
                page.error = QStringLiteral("timed out after %1 ms (--timeout)")
                                     .arg(m_bag->taskTimeout());
                page.elapsedMs = clock.elapsed();
                m_onTimedOut(page);
            }
            co_return page; // the task is over already: nobody takes this
        } catch (const AioUtils::NetworkError &error) {
            // A status only if it is the failure: a timeout may come after a "200 OK".
            page.status = error.httpStatus() >= 400 ? error.httpStatus() : 0;
            page.error = error.errorString();
        }
    } else {
        page = readPage(url, body.result());
    }
    page.elapsedMs = clock.elapsed();
    co_return page;
}

Page Crawler::readPage(const QUrl &url, const QByteArray &body)
{
    const QString html = QString::fromUtf8(body);
    Page page;
    page.url = url;
    // fetch() succeeds only for a successful answer (redirects followed), and does not say which:
    // in practice, 200.
    page.status = 200;
    page.bytes = body.size();
    page.title = titleOf(html);
    const QList<QUrl> links = linksOf(html, url);
    for (const QUrl &link : links) {
        if (sameSite(link, m_start))
            spawnPage(link);
    }
    return page;
}

// Crawls from `start` until no page has a new link (or --max-pages, or Ctrl-C), printing each
// page as it arrives; then ends the application's event loop with the exit code.
QCoro::Task<> crawl(Options options, QUrl start, std::optional<LocalSite::SiteThread> *site)
{
    NestedLoops loops;
    Crawler crawler(options, &loops);
    const InterruptNotifier interrupts([&crawler] { crawler.cancel(); });
    Progress progress;
    Summary summary;
    QElapsedTimer wallClock;
    wallClock.start();
    const QUrl startPage = normalized(start);
    crawler.onTimedOut([&](const Page &page) {
        summary.add(page, startPage);
        progress.clear();
        printPage(page);
        progress.show(crawler.bag(), summary.pages);
    });
    crawler.start(start);
    bool ok = true;
    try {
        QCORO_FOREACH(const QVariant &result, AioUtils::results(crawler.bag()))
        {
            loops.check();
            const Page page = result.value<Page>();
            summary.add(page, startPage);
            progress.clear();
            printPage(page);
            progress.show(crawler.bag(), summary.pages);
        }
    } catch (const AioUtils::TimeoutError &) {
        // The bag's failure after its last result: a page that missed its deadline, each of
        // them printed already.
    } catch (const std::exception &e) {
        progress.clear();
        std::fprintf(stderr, "coro-crawler: %s\n", e.what());
        ok = false;
    }
    progress.clear();
    summary.wallMs = wallClock.elapsed();
    summary.canceled = crawler.isCanceled();
    summary.canceledRequests = crawler.canceledRequests();
    // Canceled pages' coroutines end once their aborted requests have: the crawler outlives them.
    co_await AioUtils::finished(crawler.requestsEnded());

    int code = finishCrawl(ok, summary, options, start, *site);
    std::printf("event loops: %d checks, %d inside a nested event loop\n", loops.checks(),
                loops.nested());
    std::fflush(stdout);
    if (loops.nested() > 0) {
        std::fprintf(stderr, "coro-crawler: a nested event loop ran\n");
        code = 1;
    }
    QCoreApplication::exit(code);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("coro-crawler"));

    const std::optional<Options> options = readOptions(app);
    if (!options)
        return 2;

    std::optional<LocalSite::SiteThread> site;
    const std::optional<QUrl> start = startCrawl(*options, site);
    if (!start)
        return 1;

    // The crawl starts once app.exec() runs; it ends the loop with the exit code.
    QTimer::singleShot(0, &app, [&] { crawl(*options, *start, &site); });
    return QCoreApplication::exec();
}
