// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// The crawler of examples/crawler written as C++20 coroutines (AioUtils::Coro, QCoro), on the
// application's own event loop: no nested event loop anywhere. Every page is a coroutine task in
// an AioUtils::Bag of N slots (an OrderedBag with --ordered):
//
//     bag.spawn([this, url] { return fetchPage(url); });   // QCoro::Task<Page>
//
// The task awaits its request (co_await AioUtils::finished(request(...))) and spawns a task for
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
#include <QtCore/QThread>
#include <QtCore/QTimer>
#include <QtCore/QUrl>
#include <QtCore/QVariant>

#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <optional>

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

// The crawl (CrawlerBase: the bag, the network access managers, the pages seen so far) with
// coroutine tasks, and the requests in flight. Lives on the main thread, which is the bag's
// thread: every coroutine runs there.
class Crawler : public CrawlerBase
{
public:
    Crawler(const Options &options, NestedLoops *loops) : CrawlerBase(options), m_loops(loops) { }

    // Finished once no request is in flight: the coroutines of canceled pages run on until their
    // aborted requests have ended, and the crawler must outlive them.
    QFuture<void> requestsEnded();

private:
    void spawnTask(const QUrl &url) override;
    QCoro::Task<Page> fetchPage(QUrl url);
    void requestEnded(Manager *manager);

    NestedLoops *const m_loops;
    std::optional<QPromise<void>> m_ended; // requestsEnded()
};

QFuture<void> Crawler::requestsEnded()
{
    if (!m_ended) {
        m_ended.emplace();
        m_ended->start();
    }
    QFuture<void> future = m_ended->future();
    if (requestsInFlight() == 0) {
        m_ended->finish();
        m_ended.reset();
    }
    return future;
}

void Crawler::requestEnded(Manager *manager)
{
    --manager->active;
    if (requestsInFlight() == 0 && m_ended) {
        m_ended->finish();
        m_ended.reset();
    }
}

void Crawler::spawnTask(const QUrl &url)
{
    // A coroutine task: called on the bag's thread once a slot is free; the task ends when the
    // coroutine does.
    bag().spawn(AioUtils::Key::host(url), [this, url] { return fetchPage(url); });
}

// One page's task. Its first part (up to the co_await) runs inside the task, so request() links
// itself to it: canceling the task (Ctrl-C, the deadline) aborts the request. A failed request
// is a Page too, so the bag never sees a failure.
QCoro::Task<Page> Crawler::fetchPage(QUrl url)
{
    Manager *manager = takeManager();
    QElapsedTimer clock;
    clock.start();
    // AioUtils::finished(): the future back, whatever its end (a canceled request has no
    // response).
    const QFuture<AioUtils::Response> answer = co_await AioUtils::finished(
            AioUtils::request(manager->nam, requestOf(url), requestOptions()));
    m_loops->check();
    requestEnded(manager);

    Page page;
    try {
        // Throws the request's failure (a failed future counts as canceled too).
        QFuture<AioUtils::Response>(answer).waitForFinished();
        if (answer.isCanceled()) {
            // Canceled: by the deadline (reported as a page; the bag has counted the task as
            // failed with TimeoutError), or by the crawl's cancel(). Nobody takes this page.
            pageCanceled(url, clock.elapsed());
            co_return page;
        }
        page = readPage(url, answer.result());
    } catch (const AioUtils::NetworkError &error) {
        page = failedPage(url, error);
    }
    page.elapsedMs = clock.elapsed();
    co_return page;
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
    const QUrl startPage = canonical(start);
    crawler.onTimedOut([&](const Page &page) {
        summary.add(page, startPage);
        progress.clear();
        printPage(page);
        progress.show(crawler.bag(), summary.pages);
    });
    crawler.start(start);
    bool ok = true;
    try {
        QCORO_FOREACH (const QVariant &result, AioUtils::results(crawler.bag())) {
            loops.check();
            const Page page = result.value<Page>();
            if (!summary.add(page, startPage))
                continue; // a page already printed, reached again through a redirect
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
