// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// A web crawler in one loop. Every page is a task in an AioUtils::Bag of N slots (an OrderedBag
// with --ordered): the task fetches the page with AioUtils::request() (the real status, the URL
// after redirects as the base of its links; --retries N tries again after a 429, a 503, a timeout
// or a lost connection) and, before it ends, spawns a task for each new same-site link of an
// HTML page into the same bag (nested spawning: the crawl goes breadth-first
// and ends by itself when no page has a new link). The main thread reads the pages as they arrive,
//
//     for (const QVariant &v : bag.yielding())
//
// while at most N requests are in flight; the summary compares the wall time with the time the
// same requests take one at a time. Ctrl-C cancels the bag, and that aborts every request in
// flight. Failures are results too: a 404 or a refused connection is one line, and the crawl goes
// on. --timeout is each page's deadline (the bag's taskTimeout): a page that takes longer has its
// request aborted, and is one line too.
//
// Without a URL it crawls LocalSite, a made-up site of --site-pages pages that a thread of this
// program serves on 127.0.0.1 with realistic delays (localsite/).

#include "crawlsupport.h"

#include <AioUtils/Bag>
#include <AioUtils/Network>
#include <AioUtils/OrderedBag>
#include <AioUtils/TimeoutError>

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QFutureWatcher>
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

// The crawl (CrawlerBase: the bag, the network access managers, the pages seen so far) with
// future-returning tasks. Lives on the main thread, which is the bag's thread: every task,
// continuation and watcher below runs there.
class Crawler : public CrawlerBase
{
public:
    using CrawlerBase::CrawlerBase;

    void waitForRequests(int ms);

private:
    void spawnTask(const QUrl &url) override;
    QFuture<Page> fetchPage(const QUrl &url);
    void followPage(const QFuture<Page> &page, const QUrl &url, const QElapsedTimer &clock,
                    Manager *manager);

    QEventLoop *m_requestsEnded = nullptr; // quit when no request runs
};

// The bag is idle as soon as it is canceled; the requests it canceled end a moment later, when
// their aborts come through (see followPage()). This waits for them, for at most `ms`.
void Crawler::waitForRequests(int ms)
{
    if (requestsInFlight() == 0)
        return;
    QEventLoop loop;
    m_requestsEnded = &loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
    m_requestsEnded = nullptr;
}

void Crawler::spawnTask(const QUrl &url)
{
    // Work that returns a QFuture runs on the bag's thread, where the managers live.
    bag().spawn(AioUtils::Key::host(url), [this, url] { return fetchPage(url); });
}

// One page's task: the request, then (on the same thread, before the task ends) the parsing that
// spawns the page's links. A failed request is a Page too, so the bag never sees a failure.
QFuture<Page> Crawler::fetchPage(const QUrl &url)
{
    Manager *manager = takeManager();
    QElapsedTimer clock;
    clock.start();
    QFuture<AioUtils::Response> answer =
            AioUtils::request(manager->nam, requestOf(url), requestOptions());
    // then() is safe here: the reply finishes the future on this thread, never while then() runs.
    // The continuation takes the request's future, not its result, so that it sees failures too:
    // on Qt 6.4, then(...).onFailed(...) crashes when the request is canceled (onFailed() reads
    // a result that a canceled future does not have), and a cancel is how the bag ends a crawl.
    // A canceled request does not run this continuation; it cancels the page. The task's future
    // is the page; request() linked itself to the task, so canceling the task (Ctrl-C, the
    // deadline) aborts the request, or ends its wait for a retry.
    QFuture<Page> page = answer.then(QtFuture::Launch::Sync,
                                     [this, url, clock](QFuture<AioUtils::Response> finished) {
                                         Page result;
                                         try {
                                             // Throws the request's failure.
                                             result = readPage(url, finished.result());
                                         } catch (const AioUtils::NetworkError &error) {
                                             result = failedPage(url, error);
                                         }
                                         result.elapsedMs = clock.elapsed();
                                         return result;
                                     });
    followPage(page, url, clock, manager);
    return page;
}

// Counts the page's request while it runs, and tells of a page that missed its deadline: its
// task was canceled by the timeout (the request with it), not by the crawl's cancel().
void Crawler::followPage(const QFuture<Page> &page, const QUrl &url, const QElapsedTimer &clock,
                         Manager *manager)
{
    auto *watcher = new QFutureWatcher<Page>(this);
    connect(watcher, &QFutureWatcherBase::finished, watcher, [this, watcher, manager, url, clock] {
        --manager->active;
        watcher->deleteLater();
        if (watcher->isCanceled())
            pageCanceled(url, clock.elapsed());
        if (m_requestsEnded && requestsInFlight() == 0)
            m_requestsEnded->quit();
    });
    watcher->setFuture(page);
}

// Crawls from `start` until no page has a new link (or --max-pages, or Ctrl-C), printing each
// page as it arrives. False if the loop threw, which the tasks never let happen.
bool crawl(const Options &options, const QUrl &start, Summary *summary)
{
    Crawler crawler(options);
    const InterruptNotifier interrupts([&crawler] { crawler.cancel(); });
    Progress progress;
    QElapsedTimer wallClock;
    wallClock.start();
    const QUrl startPage = canonical(start);
    crawler.onTimedOut([&](const Page &page) {
        summary->add(page, startPage);
        progress.clear();
        printPage(page);
        progress.show(crawler.bag(), summary->pages);
    });
    crawler.start(start);
    bool ok = true;
    try {
        for (const QVariant &result : crawler.bag().yielding()) {
            const Page page = result.value<Page>();
            if (!summary->add(page, startPage))
                continue; // a page already printed, reached again through a redirect
            progress.clear();
            printPage(page);
            progress.show(crawler.bag(), summary->pages);
        }
    } catch (const AioUtils::TimeoutError &) {
        // The bag's failure after its last result: a page that missed its deadline, each of
        // them printed already.
    } catch (const std::exception &e) {
        progress.clear();
        std::fprintf(stderr, "crawler: %s\n", e.what());
        ok = false;
    }
    progress.clear();
    summary->wallMs = wallClock.elapsed();
    summary->canceled = crawler.isCanceled();
    summary->canceledRequests = crawler.canceledRequests();
    crawler.waitForRequests(2000);
    return ok;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("crawler"));

    const std::optional<Options> options = readOptions(app);
    if (!options)
        return 2;

    std::optional<LocalSite::SiteThread> site;
    const std::optional<QUrl> start = startCrawl(*options, site);
    if (!start)
        return 1;

    Summary summary;
    const bool ok = crawl(*options, *start, &summary);
    // Replies and watchers asked for their deletion from inside the loop; exec() never runs.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    return finishCrawl(ok, summary, *options, *start, site);
}
