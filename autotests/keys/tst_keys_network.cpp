// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Keyed network jobs against the real local server, which says what it saw: at most limitPerKey
// requests per host at once (two listening ports are two hosts), starts spaced by
// rateLimitPerKey (its own clock), one request for many spawnOnce() calls, and an earlier
// request aborted by spawnLatest().

#include <AioUtils/Group>
#include <AioUtils/Key>
#include <AioUtils/Network>
#include <AioUtils/Pool>

#include "httpserver.h"
#include "testutil.h"

#include <QtCore/qelapsedtimer.h>
#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qnetworkrequest.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <memory>

using namespace AioUtils;
using namespace TestUtil;
using LocalSite::HttpRequest;
using LocalSite::HttpResponse;
using LocalSite::HttpServer;

namespace {
// The one clock of every host in a test.
qint64 nowMs()
{
    static QElapsedTimer clock;
    if (!clock.isValid())
        clock.start();
    return clock.elapsed();
}

// A host: answers every path after `delayMs` (a path under /slow: after 10 s), with the path as
// the body, and notes when each request arrived.
class Host
{
public:
    explicit Host(int delayMs = 0)
        : m_server([this, delayMs](const HttpRequest &request) {
              arrivals.append({ request.path, nowMs() });
              HttpResponse response;
              response.contentType = "text/plain";
              response.body = request.path;
              response.delayMs = request.path.startsWith("/slow") ? 10000 : delayMs;
              return response;
          })
    {
    }
    bool listen() { return m_server.listen(); }
    HttpServer &server() { return m_server; }
    QUrl url(const QString &path) const { return m_server.url().resolved(QUrl(path)); }

    QList<QPair<QByteArray, qint64>> arrivals;

private:
    HttpServer m_server;
};

QNetworkRequest get(const QUrl &url)
{
    return QNetworkRequest(url);
}
} // namespace

class tst_KeysNetwork : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void serverSeesTheLimitPerHost();
    void serverSeesTheRatePerHost();
    void singleFlightIsOneRequest();
    void latestWinsAbortsTheEarlierRequest();
};

void tst_KeysNetwork::serverSeesTheLimitPerHost()
{
    Host a(40), b(40);
    QVERIFY(a.listen());
    QVERIFY(b.listen());
    QCOMPARE_NE(Key::host(a.url(QStringLiteral("/"))), Key::host(b.url(QStringLiteral("/"))));
    QNetworkAccessManager nam;
    Pool pool(8);
    pool.setLimitPerKey(2);
    QList<QFuture<QByteArray>> futures;
    // All of a's first: the requests of b, behind them in the queue, do not wait for a's.
    for (int i = 0; i < 10; ++i) {
        const QUrl url = a.url(QStringLiteral("/a%1").arg(i));
        futures << pool.spawn(Key::host(url), fetch, &nam, get(url));
    }
    for (int i = 0; i < 10; ++i) {
        const QUrl url = b.url(QStringLiteral("/b%1").arg(i));
        futures << pool.spawn(Key::host(url), fetch, &nam, get(url));
    }
    QCOMPARE(pool.runningCount(), 4);
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    QCOMPARE(a.server().maxInFlight(), 2);
    QCOMPARE(b.server().maxInFlight(), 2);
    QCOMPARE(a.server().requestCount(), 10);
    QCOMPARE(b.server().requestCount(), 10);
    // b's first request came while a still had eight to go (each takes 40 ms, two at a time).
    QVERIFY(!b.arrivals.isEmpty());
    QVERIFY(b.arrivals.first().second < a.arrivals.at(2).second);
    for (int i = 0; i < futures.size(); ++i)
        QCOMPARE(futures[i].result(),
                 (i < 10 ? QByteArray("/a") : QByteArray("/b")) + QByteArray::number(i % 10));
}

void tst_KeysNetwork::serverSeesTheRatePerHost()
{
    Host a, b;
    QVERIFY(a.listen());
    QVERIFY(b.listen());
    QNetworkAccessManager nam;
    Group group;
    group.setRateLimitPerKey(10); // 100 ms apart per host
    const qint64 posted = nowMs();
    for (int i = 0; i < 4; ++i) {
        const QUrl url = a.url(QStringLiteral("/a%1").arg(i));
        group.post(Key::host(url), fetch, &nam, get(url));
    }
    const QUrl other = b.url(QStringLiteral("/b0"));
    group.post(Key::host(other), fetch, &nam, get(other));
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(a.arrivals.size(), 4);
    QCOMPARE(b.arrivals.size(), 1);
    // The server's clock: the i-th request of a arrived no sooner than i times 100 ms after
    // they were posted (less 10% for a timer's rounding). Measured from the post, not from the
    // arrival before it: a request that reached the server late (a loaded machine, a sanitizer)
    // makes no gap after it look short.
    for (int i = 1; i < 4; ++i) {
        const qint64 after = a.arrivals[i].second - posted;
        QVERIFY2(after >= 90 * i,
                 qPrintable(QStringLiteral("request %1 arrived %2 ms after the post")
                                    .arg(i)
                                    .arg(after)));
    }
    // The other host did not wait for a's rate.
    QVERIFY(b.arrivals[0].second < a.arrivals[1].second);
}

void tst_KeysNetwork::singleFlightIsOneRequest()
{
    Host a(50);
    QVERIFY(a.listen());
    QNetworkAccessManager nam;
    Group group;
    const QUrl url = a.url(QStringLiteral("/thumbnail.png"));
    QList<QFuture<QByteArray>> futures;
    for (int i = 0; i < 10; ++i)
        futures << group.spawnOnce(Key(url.toString()), fetch, &nam, get(url));
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(a.server().requestCount(), 1);
    QCOMPARE(group.spawnedCount(), 1);
    for (const QFuture<QByteArray> &future : std::as_const(futures))
        QCOMPARE(future.result(), QByteArray("/thumbnail.png"));
}

void tst_KeysNetwork::latestWinsAbortsTheEarlierRequest()
{
    Host a;
    QVERIFY(a.listen());
    QNetworkAccessManager nam;
    Pool pool(4);
    const Key search(QStringLiteral("search"));
    QSignalSpy started(&a.server(), &HttpServer::requestStarted);
    QSignalSpy aborted(&a.server(), &HttpServer::requestAborted);
    QFuture<QByteArray> first =
            pool.spawnLatest(search, fetch, &nam, get(a.url(QStringLiteral("/slow?q=a"))));
    QTRY_COMPARE_WITH_TIMEOUT(started.size(), 1, Patience);
    QFuture<QByteArray> second =
            pool.spawnLatest(search, fetch, &nam, get(a.url(QStringLiteral("/found?q=ab"))));
    QTRY_COMPARE_WITH_TIMEOUT(aborted.size(), 1, Patience);
    QCOMPARE(aborted.first().first().toByteArray(), QByteArray("/slow?q=a"));
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    QVERIFY(first.isCanceled());
    QCOMPARE(second.result(), QByteArray("/found?q=ab"));
    QCOMPARE(pool.failedCount(), 0);
    QCOMPARE(a.server().requestCount(), 2);
}

QTEST_GUILESS_MAIN(tst_KeysNetwork)
#include "tst_keys_network.moc"
