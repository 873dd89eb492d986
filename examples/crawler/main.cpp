// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// A web crawler in one loop. Every page is a task in an AioUtils::Bag of N slots (an OrderedBag
// with --ordered): the task fetches the page with AioUtils::fetch() and, before it ends, spawns a
// task for each new same-site link into the same bag (nested spawning: the crawl goes breadth-first
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
#include <QtCore/QSet>
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

// The crawl: the bag, the network access managers, and the pages seen so far. Lives on the main
// thread, which is the bag's thread: every task, continuation and watcher below runs there.
class Crawler : public QObject
{
public:
    explicit Crawler(const Options &options, QObject *parent = nullptr);

    AioUtils::Bag *bag() const { return m_bag.get(); }
    void start(const QUrl &url);
    void cancel();
    bool isCanceled() const { return m_canceled; }
    int canceledRequests() const { return m_canceledRequests; }
    void waitForRequests(int ms);
    // Called for each page that missed its deadline: the bag's task failed with TimeoutError,
    // so no Page comes out of the bag for it.
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

    int requestsInFlight() const;
    void spawnPage(const QUrl &url);
    QFuture<Page> fetchPage(const QUrl &url);
    Page readPage(const QUrl &url, const QByteArray &body);
    void followPage(const QFuture<Page> &page, const QUrl &url, const QElapsedTimer &clock,
                    Manager *manager);

    const Options m_options;
    QUrl m_start;
    std::vector<Manager> m_managers;
    // Declared after the managers: destroyed first, it cancels what still runs while they live.
    std::unique_ptr<AioUtils::Bag> m_bag;
    QSet<QUrl> m_seen;
    int m_spawned = 0;
    bool m_canceled = false;
    int m_canceledRequests = 0;
    QEventLoop *m_requestsEnded = nullptr; // quit when no request runs
    std::function<void(const Page &)> m_onTimedOut;
};

Crawler::Crawler(const Options &options, QObject *parent)
    : QObject(parent), m_options(options),
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

int Crawler::requestsInFlight() const
{
    int running = 0;
    for (const Manager &manager : m_managers)
        running += manager.active;
    return running;
}

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

// A task for each page not seen yet, up to --max-pages.
void Crawler::spawnPage(const QUrl &url)
{
    if (m_canceled || m_spawned >= m_options.maxPages || m_seen.contains(url))
        return;
    m_seen.insert(url);
    ++m_spawned;
    // Work that returns a QFuture runs on the bag's thread, where the managers live.
    m_bag->spawn([this, url] { return fetchPage(url); });
}

// One page's task: the request, then (on the same thread, before the task ends) the parsing that
// spawns the page's links. A failed request is a Page too, so the bag never sees a failure.
QFuture<Page> Crawler::fetchPage(const QUrl &url)
{
    Manager *manager = &*std::min_element(
            m_managers.begin(), m_managers.end(),
            [](const Manager &a, const Manager &b) { return a.active < b.active; });
    ++manager->active;

    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::UserAgentHeader, QByteArrayLiteral("AioUtils-crawler"));
    QElapsedTimer clock;
    clock.start();
    QFuture<QByteArray> body = AioUtils::fetch(manager->nam, request);
    // then() is safe here: the reply finishes the future on this thread, never while then() runs.
    // The continuation takes the request's future, not its result, so that it sees failures too:
    // on Qt 6.4, then(...).onFailed(...) crashes when the request is canceled (onFailed() reads
    // a result that a canceled future does not have), and a cancel is how the bag ends a crawl.
    // A canceled request does not run this continuation; it cancels the page. The task's future
    // is the page; fetch() linked the request to the task, so canceling the task (Ctrl-C, the
    // deadline) aborts the request.
    QFuture<Page> page =
            body.then(QtFuture::Launch::Sync, [this, url, clock](QFuture<QByteArray> finished) {
                Page result;
                try {
                    // Throws the request's failure.
                    result = readPage(url, finished.result());
                } catch (const AioUtils::NetworkError &error) {
                    result.url = url;
                    // A status only if it is the failure: a timeout may come after a "200 OK".
                    result.status = error.httpStatus() >= 400 ? error.httpStatus() : 0;
                    result.error = error.errorString();
                }
                result.elapsedMs = clock.elapsed();
                return result;
            });
    followPage(page, url, clock, manager);
    return page;
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

// Counts the page's request while it runs, and tells of a page that missed its deadline: its
// task was canceled by the timeout (the request with it), not by the crawl's cancel().
void Crawler::followPage(const QFuture<Page> &page, const QUrl &url, const QElapsedTimer &clock,
                         Manager *manager)
{
    auto *watcher = new QFutureWatcher<Page>(this);
    connect(watcher, &QFutureWatcherBase::finished, watcher, [this, watcher, manager, url, clock] {
        --manager->active;
        watcher->deleteLater();
        if (watcher->isCanceled() && !m_canceled && m_onTimedOut) {
            Page timedOut;
            timedOut.url = url;
            timedOut.error =
                    QStringLiteral("timed out after %1 ms (--timeout)").arg(m_bag->taskTimeout());
            timedOut.elapsedMs = clock.elapsed();
            m_onTimedOut(timedOut);
        }
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
    const QUrl startPage = normalized(start);
    crawler.onTimedOut([&](const Page &page) {
        summary->add(page, startPage);
        progress.clear();
        printPage(page);
        progress.show(*crawler.bag(), summary->pages);
    });
    crawler.start(start);
    bool ok = true;
    try {
        for (const QVariant &result : crawler.bag()->yielding()) {
            const Page page = result.value<Page>();
            summary->add(page, startPage);
            progress.clear();
            printPage(page);
            progress.show(*crawler.bag(), summary->pages);
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
