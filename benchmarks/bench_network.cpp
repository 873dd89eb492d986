// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Network jobs side by side in one process: N GETs of the local site's pages (localsite/,
// served by its own thread on 127.0.0.1, answering at once), at most 8 at a time, read to the end.
// The baseline is what one writes by hand with QNetworkAccessManager: a queue of URLs and a
// finished() slot that reads the body, deletes the reply and starts the next request. Ours is
// AioUtils::fetch spawned into a Pool(8) and joined, the same through a Bag(8) read with
// yielding(), and AioUtils::request() (the whole response) in a Pool(8). Each run uses a new
// manager, so connection setup counts alike. The baseline keeps every body until the end, as the
// Pool rows' futures do; the Bag row's baseline reads each body as it comes and drops it, as its
// loop does. The five run interleaved (each repetition runs each once, starting with a different
// one), so that a drifting machine weighs on all alike. Prints the median time of the
// repetitions and, as the ratio, the median of each repetition's ours/baseline; with --runs N,
// the whole table N times and each row's min-median-max ratio.
//
//   bench_network [--scale F] [--reps N] [--runs N] [--only hand|stream|pool|bag|request] [--each]
//   (--scale 0.01 for a smoke run; --only runs one variant, for a profiler; --each prints every
//   repetition's times and ratios, to see the spread a row's median is taken from)

#include "benchutil.h"
#include "localsite.h"

#include <AioUtils/Bag>
#include <AioUtils/Network>
#include <AioUtils/Pool>

#include <QtCore/qcoreapplication.h>
#include <QtCore/qeventloop.h>
#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qnetworkreply.h>
#include <QtNetwork/qnetworkrequest.h>

#include <cstdio>
#include <limits>

namespace {

constexpr int Concurrency = 8;
constexpr double Target = 1.05; // ours/baseline, per request

// The hand-written way: at most `limit` requests in flight, the next started from finished().
// Keeping: each body is kept in its URL's place until all are in (what the Pool rows hand their
// caller: one future per page, read after join()); else each body is counted and dropped as it
// arrives (what the Bag row's loop does).
class HandQueue
{
public:
    enum Bodies { Keep, Drop };
    HandQueue(QNetworkAccessManager *nam, const QList<QUrl> &urls, int limit, Bodies bodies)
        : m_nam(nam), m_urls(urls), m_limit(limit), m_keep(bodies == Keep)
    {
        if (m_keep)
            m_bodies.resize(urls.size());
    }

    qint64 run()
    {
        QEventLoop loop;
        m_loop = &loop;
        pump();
        if (m_done < m_urls.size())
            loop.exec();
        for (const QByteArray &body : std::as_const(m_bodies))
            m_bytes += body.size();
        return m_bytes;
    }

private:
    void pump()
    {
        while (m_inFlight < m_limit && m_next < m_urls.size()) {
            const qsizetype index = m_next++;
            QNetworkReply *reply = m_nam->get(QNetworkRequest(m_urls[index]));
            ++m_inFlight;
            QObject::connect(reply, &QNetworkReply::finished, reply, [this, reply, index] {
                if (reply->error() == QNetworkReply::NoError) {
                    if (m_keep)
                        m_bodies[index] = reply->readAll();
                    else
                        m_bytes += reply->readAll().size();
                }
                reply->deleteLater();
                --m_inFlight;
                if (++m_done == m_urls.size())
                    m_loop->quit();
                else
                    pump();
            });
        }
    }

    QNetworkAccessManager *const m_nam;
    const QList<QUrl> m_urls;
    const int m_limit;
    const bool m_keep;
    QList<QByteArray> m_bodies;
    QEventLoop *m_loop = nullptr;
    int m_next = 0;
    int m_inFlight = 0;
    int m_done = 0;
    qint64 m_bytes = 0;
};

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    double scale = 1.0;
    int reps = 5;
    QStringList args = app.arguments();
    const bool printEach = args.removeAll(QStringLiteral("--each")) > 0;
    const QStringList variants = { QStringLiteral("hand"), QStringLiteral("stream"),
                                   QStringLiteral("pool"), QStringLiteral("bag"),
                                   QStringLiteral("request") };
    QString only;
    int runs = 1;
    if (const qsizetype at = args.indexOf(QLatin1String("--only")); at > 0 && at + 1 < args.size())
        only = args[at + 1];
    if (!BenchUtil::parseOptions(args, &scale, &reps, &runs, { QStringLiteral("--only") })
        || (!only.isEmpty() && !variants.contains(only))) {
        std::fprintf(stderr,
                     "usage: bench_network [--scale F>0] [--reps N>=1] [--runs N>=1] "
                     "[--only hand|stream|pool|bag|request] [--each]\n");
        return 2;
    }
    const int n = std::max(8, int(4000 * scale));

    LocalSite::SiteOptions options;
    options.pages = n;
    options.minDelayMs = 0;
    options.maxDelayMs = 0;
    options.slowEvery = std::numeric_limits<int>::max();
    // The generated pages only, whatever the site adds for the crawlers.
    options.quirks = false;
    LocalSite::SiteThread site(options);
    if (!site.start()) {
        std::fprintf(stderr, "bench_network: the local site cannot listen on 127.0.0.1\n");
        return 1;
    }
    QList<QUrl> urls;
    for (int i = 1; i <= n; ++i)
        urls.append(site.url().resolved(QUrl(QStringLiteral("/page/%1").arg(i))));

    qint64 expected = -1;
    const auto check = [&expected](qint64 bytes) {
        if (expected < 0)
            expected = bytes;
        else if (bytes != expected)
            qFatal("bench_network: %lld bytes read, %lld expected", bytes, expected);
    };

    const auto hand = [&] {
        QNetworkAccessManager nam;
        check(HandQueue(&nam, urls, Concurrency, HandQueue::Keep).run());
    };
    const auto handStream = [&] {
        QNetworkAccessManager nam;
        check(HandQueue(&nam, urls, Concurrency, HandQueue::Drop).run());
    };
    const auto withPool = [&] {
        QNetworkAccessManager nam;
        AioUtils::Pool pool(Concurrency);
        QList<QFuture<QByteArray>> pages;
        pages.reserve(n);
        for (const QUrl &url : std::as_const(urls))
            pages.append(pool.spawn(AioUtils::fetch, &nam, QNetworkRequest(url)));
        pool.join();
        qint64 bytes = 0;
        for (const QFuture<QByteArray> &page : std::as_const(pages))
            bytes += page.result().size();
        check(bytes);
    };
    const auto withBag = [&] {
        QNetworkAccessManager nam;
        AioUtils::Bag bag(Concurrency);
        for (const QUrl &url : std::as_const(urls))
            bag.spawn(AioUtils::fetch, &nam, QNetworkRequest(url));
        qint64 bytes = 0;
        for (const QVariant &page : bag.yielding())
            bytes += page.toByteArray().size();
        check(bytes);
    };

    // request(): the whole response (status, final URL, headers), no retry asked for.
    const auto withRequest = [&] {
        QNetworkAccessManager nam;
        AioUtils::Pool pool(Concurrency);
        QList<QFuture<AioUtils::Response>> pages;
        pages.reserve(n);
        for (const QUrl &url : std::as_const(urls))
            pages.append(pool.spawn(AioUtils::request, &nam, QNetworkRequest(url),
                                    AioUtils::RequestOptions()));
        pool.join();
        qint64 bytes = 0;
        for (const QFuture<AioUtils::Response> &page : std::as_const(pages))
            bytes += page.result().body.size();
        check(bytes);
    };
    if (!only.isEmpty()) {
        // One variant alone, for a profiler or for timing two builds against each other.
        const std::function<void()> each[] = { hand, handStream, withPool, withBag, withRequest };
        const double alone = BenchUtil::medianMs(each[variants.indexOf(only)], reps);
        std::printf("%d GETs, %s: %.1f ms\n", n, qPrintable(only), alone);
        return 0;
    }
    BenchUtil::Table table;
    const QString workload = QStringLiteral("%1 GETs, 8 at once").arg(n);
    const QString keeping = QStringLiteral("QNAM + queue, bodies kept");
    const QString streaming = QStringLiteral("QNAM + queue, bodies read");
    for (int run = 1; run <= runs; ++run) {
        if (runs > 1)
            std::printf("run %d of %d\n", run, runs);
        // Interleaved: each repetition runs all five, starting with a different one; each
        // row's ratio is the median of the repetitions' own ratios.
        const std::vector<std::vector<double>> ms = BenchUtil::interleavedTimesMs(
                { hand, handStream, withPool, withBag, withRequest }, reps);
        const auto median = [&](int k) { return BenchUtil::median(ms[std::size_t(k)]); };
        const auto ratio = [&](int base, int ours) {
            return BenchUtil::pairedRatio(ms[std::size_t(base)], ms[std::size_t(ours)]);
        };
        enum { Hand, Stream, WithPool, WithBag, WithRequest };
        for (std::size_t i = 0; printEach && i < ms[Hand].size(); ++i)
            std::printf("repetition %zu: hand %.0f, pool %.0f (%.2fx), request %.0f (%.2fx); "
                        "streamed by hand %.0f, bag %.0f (%.2fx) ms\n",
                        i + 1, ms[Hand][i], ms[WithPool][i], ms[WithPool][i] / ms[Hand][i],
                        ms[WithRequest][i], ms[WithRequest][i] / ms[Hand][i], ms[Stream][i],
                        ms[WithBag][i], ms[WithBag][i] / ms[Stream][i]);
        table.header();
        table.row(workload + QLatin1String(", Pool + fetch"), keeping, median(Hand),
                  median(WithPool), Target, ratio(Hand, WithPool));
        table.row(workload + QLatin1String(", Bag + yielding()"), streaming, median(Stream),
                  median(WithBag), Target, ratio(Stream, WithBag));
        table.row(workload + QLatin1String(", Pool + request()"), keeping, median(Hand),
                  median(WithRequest), Target, ratio(Hand, WithRequest));
    }
    table.summary();
    return 0;
}
