// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Network jobs side by side in one process: N GETs of the local site's pages (localsite/,
// served by its own thread on 127.0.0.1, answering at once), at most 8 at a time, read to the end.
// The baseline is what one writes by hand with QNetworkAccessManager: a queue of URLs and a
// finished() slot that reads the body, deletes the reply and starts the next request. Ours is
// AioUtils::fetch spawned into a Pool(8) and joined, the same through a Bag(8) read with
// yielding(), and AioUtils::request() (the whole response) in a Pool(8). Each run uses a new
// manager, so connection setup counts alike. The four run interleaved (each repetition runs
// each once, starting with a different one), so that a drifting machine weighs on all alike.
// Prints the median of the repetitions and the ratio ours/baseline.
//
//   bench_network [--scale F] [--reps N]     (--scale 0.01 for a smoke run)

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

// The hand-written way: at most `limit` requests in flight, the next started from finished().
class HandQueue
{
public:
    HandQueue(QNetworkAccessManager *nam, const QList<QUrl> &urls, int limit)
        : m_nam(nam), m_urls(urls), m_limit(limit)
    {
    }

    qint64 run()
    {
        QEventLoop loop;
        m_loop = &loop;
        pump();
        if (m_done < m_urls.size())
            loop.exec();
        return m_bytes;
    }

private:
    void pump()
    {
        while (m_inFlight < m_limit && m_next < m_urls.size()) {
            QNetworkReply *reply = m_nam->get(QNetworkRequest(m_urls[m_next++]));
            ++m_inFlight;
            QObject::connect(reply, &QNetworkReply::finished, reply, [this, reply] {
                if (reply->error() == QNetworkReply::NoError)
                    m_bytes += reply->readAll().size();
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
    QEventLoop *m_loop = nullptr;
    int m_next = 0;
    int m_inFlight = 0;
    int m_done = 0;
    qint64 m_bytes = 0;
};

void row(const char *workload, const char *baseline, double baseMs, double oursMs)
{
    std::printf("%-34s %-34s %10.1f %10.1f %7.2fx\n", workload, baseline, baseMs, oursMs,
                oursMs / baseMs);
    std::fflush(stdout);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    double scale = 1.0;
    int reps = 3;
    if (!BenchUtil::readOptions(app.arguments(), "bench_network", &scale, &reps))
        return 2;
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
        check(HandQueue(&nam, urls, Concurrency).run());
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
    // Interleaved: hand, pool, bag, request, then pool, bag, request, hand, ...
    const std::vector<double> ms =
            BenchUtil::interleavedMediansMs({ hand, withPool, withBag, withRequest }, reps);
    const double handMs = ms[0], poolMs = ms[1], bagMs = ms[2], requestMs = ms[3];
    std::printf("%-34s %-34s %10s %10s %8s\n", "workload", "baseline", "base ms", "ours ms",
                "ratio");
    const QByteArray workload = QByteArray::number(n) + " GETs, 8 at once";
    row((workload + ", Pool + join()").constData(), "QNAM + hand-written queue", handMs, poolMs);
    row((workload + ", Bag + yielding()").constData(), "QNAM + hand-written queue", handMs, bagMs);
    row((workload + ", Pool + request()").constData(), "QNAM + hand-written queue", handMs,
        requestMs);
    return 0;
}
