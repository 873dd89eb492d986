// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include <AioUtils/Bag>
#include <AioUtils/Group>
#include <AioUtils/Network>
#include <AioUtils/NetworkError>
#include <AioUtils/OrderedBag>
#include <AioUtils/Pool>
#include <AioUtils/Response>
#include <AioUtils/TimeoutError>

#include "httpserver.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qdeadlinetimer.h>
#include <QtCore/qelapsedtimer.h>
#include <QtCore/qfuture.h>
#include <QtCore/qlist.h>
#include <QtCore/qrandom.h>
#include <QtCore/qregularexpression.h>
#include <QtCore/qthread.h>
#include <QtCore/qvariant.h>
#include <QtNetwork/qhostaddress.h>
#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qnetworkreply.h>
#include <QtNetwork/qnetworkrequest.h>
#include <QtNetwork/qtcpserver.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>

using AioUtils::Bag;
using AioUtils::Group;
using AioUtils::NetworkError;
using AioUtils::OrderedBag;
using AioUtils::Pool;
using LocalSite::HttpRequest;
using LocalSite::HttpResponse;
using LocalSite::HttpServer;

namespace {

// Every wait in this test has this deadline; none is expected to come near it.
constexpr int Patience = 10000;

// The number of /n/<i> pages, and their answer delays (0–20 ms, the same every run).
constexpr int NumberedPages = 500;

const QByteArray helloBody = QByteArrayLiteral("hello, world");

// 1 MiB that is not periodic in any small power of two, so that a lost, repeated or shifted block
// would not compare equal.
QByteArray bigBody()
{
    QByteArray body(1 << 20, Qt::Uninitialized);
    for (qsizetype i = 0; i < body.size(); ++i)
        body[i] = char((i * 7 + i / 251) % 253);
    return body;
}

// How a running request is canceled.
enum class CancelBy {
    FutureCancel,  // QFuture::cancel() on fetch()'s own future
    GroupCancel,   // Group::cancel()
    PoolCancel,    // Pool::cancel(), with a second request still queued
    YieldingBreak, // leaving a bag.yielding() loop early
    DestroyPool,   // delete pool
    SpawnedCancel, // QFuture::cancel() on the future spawn(AioUtils::fetch, ...) gave
};

// When a test cancels its requests.
enum class CancelWhen { Never, AtOnce, AtTheServer };

// How a reply is taken from its follower before it finished.
enum class TakenBy { DeleteReply, DeleteManager };

// Where a transfer timeout is set.
enum class TimeoutOn { Request, Manager };

// The NetworkError a finished future failed with, or nothing if it did not fail with one.
std::optional<NetworkError> networkErrorOf(QFuture<QByteArray> future)
{
    try {
        future.waitForFinished();
    } catch (const NetworkError &error) {
        return error;
    } catch (...) {
        return std::nullopt;
    }
    return std::nullopt;
}

// Whether a finished future holds an exception of any type.
bool holdsException(QFuture<QByteArray> future)
{
    try {
        future.waitForFinished();
    } catch (...) {
        return true;
    }
    return false;
}

QRegularExpression caseless(const QString &pattern)
{
    return QRegularExpression(pattern, QRegularExpression::CaseInsensitiveOption);
}

} // namespace

Q_DECLARE_METATYPE(CancelBy)
Q_DECLARE_METATYPE(CancelWhen)
Q_DECLARE_METATYPE(TakenBy)
Q_DECLARE_METATYPE(TimeoutOn)

class tst_Network : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void bodiesArrive_data();
    void bodiesArrive();
    void spawnFetchByName();
    void httpErrors_data();
    void httpErrors();
    void connectionRefused();
    void cancelAborts_data();
    void cancelAborts();
    void spawnedFetchFulfilsTheCallersFuture();
    void spawnedFetchTimesOut_data();
    void spawnedFetchTimesOut();
    void spawnedRequestWhoseManagerThrows_data();
    void spawnedRequestWhoseManagerThrows();
    void forwardedFetchCanceledContinuesOnce();
    void groupDestroyedWhileSpawnedFetchRuns();
    void transferTimeout_data();
    void transferTimeout();
    void userAbortIsNotATimeout_data();
    void userAbortIsNotATimeout();
    void poolLimitsRequestsInFlight();
    void orderedBagInSpawnOrder();
    void repliesAlwaysDeleted_data();
    void repliesAlwaysDeleted();
    void nullInput_data();
    void nullInput();
    void fetchFromOtherThread();
    void replyTakenAway_data();
    void replyTakenAway();
    void toFutureOfFinishedReply_data();
    void toFutureOfFinishedReply();
    void toFutureTwice();
    void toFutureAgainAsItSettles();
    void toFutureFromOtherThread_data();
    void toFutureFromOtherThread();

private:
    QUrl url(const char *path) const;
    // Answered after 60 s: a request in flight until it is aborted.
    QNetworkRequest slowRequest() const { return QNetworkRequest(url("/slow")); }
    HttpResponse respond(const HttpRequest &request) const;
    bool noRepliesLeft() const
    {
        return !m_nam || m_nam->findChildren<QNetworkReply *>().isEmpty();
    }

    QByteArray m_big;
    QList<int> m_delays; // of /n/<i>
    std::unique_ptr<HttpServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_nam;
};

void tst_Network::initTestCase()
{
    m_big = bigBody();
    QRandomGenerator random(20260611);
    for (int i = 0; i < NumberedPages; ++i)
        m_delays << int(random.bounded(21));
}

void tst_Network::init()
{
    m_server = std::make_unique<HttpServer>(
            [this](const HttpRequest &request) { return respond(request); });
    QVERIFY(m_server->listen());
    m_nam = std::make_unique<QNetworkAccessManager>();
}

void tst_Network::cleanup()
{
    // The manager first: its replies (if a test failed early) go before the server they talk to.
    m_nam.reset();
    m_server.reset();
}

QUrl tst_Network::url(const char *path) const
{
    return m_server->url().resolved(QUrl(QString::fromLatin1(path)));
}

HttpResponse tst_Network::respond(const HttpRequest &request) const
{
    HttpResponse response;
    const QByteArray &path = request.path;
    if (path == "/hello") {
        response.contentType = QByteArrayLiteral("text/plain");
        response.body = helloBody;
    } else if (path == "/big") {
        response.contentType = QByteArrayLiteral("application/octet-stream");
        response.body = m_big;
    } else if (path == "/broken") {
        response.status = 500;
        response.body = QByteArrayLiteral("the server tripped");
    } else if (path == "/slow") {
        response.delayMs = 60000;
        response.body = QByteArrayLiteral("too late");
    } else if (path == "/delay30") {
        response.delayMs = 30;
        response.body = QByteArrayLiteral("ok");
    } else if (path.startsWith("/n/")) {
        bool ok = false;
        const int i = path.mid(3).toInt(&ok);
        if (ok && i >= 0 && i < m_delays.size()) {
            response.contentType = QByteArrayLiteral("text/plain");
            response.body = QByteArray::number(i);
            response.delayMs = m_delays.at(i);
        } else {
            response.status = 404;
        }
    } else {
        response.status = 404; // "/missing"
        response.body = QByteArrayLiteral("no such page");
    }
    return response;
}

void tst_Network::bodiesArrive_data()
{
    QTest::addColumn<bool>("viaToFuture");
    QTest::addColumn<QByteArray>("path");
    QTest::newRow("fetch()") << false << QByteArray("/hello");
    QTest::newRow("toFuture(get())") << true << QByteArray("/hello");
    QTest::newRow("fetch(), 1 MiB") << false << QByteArray("/big");
    QTest::newRow("toFuture(get()), 1 MiB") << true << QByteArray("/big");
}

// The body arrives whole, and the reply is gone afterwards.
void tst_Network::bodiesArrive()
{
    QFETCH(bool, viaToFuture);
    QFETCH(QByteArray, path);
    const QByteArray expected = path == "/big" ? m_big : helloBody;

    const QNetworkRequest request(url(path.constData()));
    QFuture<QByteArray> future = viaToFuture ? AioUtils::toFuture(m_nam->get(request))
                                             : AioUtils::fetch(m_nam.get(), request);
    QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), Patience);
    QVERIFY(!future.isCanceled());
    QCOMPARE(future.resultCount(), 1);
    const QByteArray body = future.result();
    QCOMPARE(body.size(), expected.size());
    QVERIFY(body == expected);
    QTRY_VERIFY_WITH_TIMEOUT(noRepliesLeft(), Patience);
}

// `pool.spawn(AioUtils::fetch, &nam, QNetworkRequest(url))` is the contract: it compiles, gives a
// QFuture<QByteArray>, and runs as a task of the pool.
void tst_Network::spawnFetchByName()
{
    QNetworkAccessManager &nam = *m_nam;
    const QUrl hello = url("/hello");
    Pool pool(2);
    static_assert(
            std::is_same_v<decltype(pool.spawn(AioUtils::fetch, &nam, QNetworkRequest(hello))),
                           QFuture<QByteArray>>);
    QList<QFuture<QByteArray>> futures;
    for (int i = 0; i < 3; ++i)
        futures << pool.spawn(AioUtils::fetch, &nam, QNetworkRequest(hello));
    futures << pool.spawn(AioUtils::fetch, &nam, QNetworkRequest(url("/big")));
    QCOMPARE(pool.runningCount(), 2);
    QCOMPARE(pool.queuedCount(), 2);
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    QCOMPARE(pool.finishedCount(), 4);
    QCOMPARE(pool.failedCount(), 0);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(futures.at(i).result(), helloBody);
    QVERIFY(futures.at(3).result() == m_big);
    // The future spawn() gave is the request's own: it reports the download's progress.
    QCOMPARE(futures.at(3).progressMaximum(), int(m_big.size()));
    QCOMPARE(futures.at(3).progressValue(), int(m_big.size()));
    // A kept body holds about its own size, not readAll()'s buffer (16 kB steps).
    for (const QFuture<QByteArray> &future : std::as_const(futures)) {
        const QByteArray body = future.result();
        QVERIFY2(body.capacity() - body.size() <= 1024,
                 qPrintable(QStringLiteral("%1 bytes held for %2")
                                    .arg(body.capacity())
                                    .arg(body.size())));
    }
    QCOMPARE(m_server->requestCount(), 4);
    QTRY_VERIFY_WITH_TIMEOUT(noRepliesLeft(), Patience);
}

void tst_Network::httpErrors_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<int>("status");
    QTest::addColumn<QNetworkReply::NetworkError>("error");
    QTest::newRow("404") << QByteArray("/missing") << 404 << QNetworkReply::ContentNotFoundError;
    QTest::newRow("500") << QByteArray("/broken") << 500 << QNetworkReply::InternalServerError;
}

// An HTTP error status is a NetworkError with the status, Qt's error code and the URL, whichever
// way it is looked at: the future, Group::join(), taskFailed() and failedCount().
void tst_Network::httpErrors()
{
    QFETCH(QByteArray, path);
    QFETCH(int, status);
    QFETCH(QNetworkReply::NetworkError, error);
    const QUrl where = url(path.constData());
    const QString statusText = QString::number(status);

    // The future on its own: result() and waitForFinished() throw the NetworkError by type.
    QFuture<QByteArray> future = AioUtils::fetch(m_nam.get(), QNetworkRequest(where));
    QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), Patience);
    QVERIFY_THROWS_EXCEPTION(NetworkError, future.result());
    const std::optional<NetworkError> failure = networkErrorOf(future);
    QVERIFY(failure);
    QCOMPARE(failure->httpStatus(), status);
    QCOMPARE(failure->error(), error);
    QCOMPARE(failure->url(), where);
    QVERIFY2(QString::fromUtf8(failure->what()).contains(statusText), failure->what());
    QVERIFY2(QString::fromUtf8(failure->what()).contains(where.toString()), failure->what());
    QVERIFY(!failure->errorString().isEmpty());

    // In a group: join() rethrows it, taskFailed() carries what(), failedCount() counts it.
    Group group;
    QSignalSpy failed(&group, &Group::taskFailed);
    QFuture<QByteArray> task = group.spawn(AioUtils::fetch, m_nam.get(), QNetworkRequest(where));
    bool rethrown = false;
    try {
        group.join(QDeadlineTimer(Patience));
    } catch (const NetworkError &e) {
        rethrown = true;
        QCOMPARE(e.httpStatus(), status);
        QCOMPARE(e.error(), error);
        QCOMPARE(e.url(), where);
    }
    QVERIFY2(rethrown, "join() did not rethrow the NetworkError");
    QVERIFY(group.isIdle());
    QCOMPARE(group.failedCount(), 1);
    QCOMPARE(group.finishedCount(), 1);
    QCOMPARE(failed.count(), 1);
    const QString message = failed.at(0).at(0).toString();
    QVERIFY2(message.contains(statusText), qPrintable(message));
    QVERIFY(task.isFinished());
    QVERIFY_THROWS_EXCEPTION(NetworkError, task.waitForFinished());
    QTRY_VERIFY_WITH_TIMEOUT(noRepliesLeft(), Patience);
}

// Nothing listening: ConnectionRefusedError, and no HTTP status.
void tst_Network::connectionRefused()
{
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
        probe.close();
    }
    const QUrl where(QStringLiteral("http://127.0.0.1:%1/hello").arg(port));

    Pool pool(2);
    QSignalSpy failed(&pool, &Group::taskFailed);
    QFuture<QByteArray> future = pool.spawn(AioUtils::fetch, m_nam.get(), QNetworkRequest(where));
    QVERIFY_THROWS_EXCEPTION(NetworkError, pool.join(QDeadlineTimer(Patience)));
    QVERIFY(future.isFinished());
    const std::optional<NetworkError> failure = networkErrorOf(future);
    QVERIFY(failure);
    QCOMPARE(failure->error(), QNetworkReply::ConnectionRefusedError);
    QCOMPARE(failure->httpStatus(), 0);
    QCOMPARE(failure->url(), where);
    QCOMPARE(pool.failedCount(), 1);
    QCOMPARE(failed.count(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(noRepliesLeft(), Patience);
}

void tst_Network::cancelAborts_data()
{
    QTest::addColumn<CancelBy>("by");
    QTest::newRow("QFuture::cancel()") << CancelBy::FutureCancel;
    QTest::newRow("Group::cancel()") << CancelBy::GroupCancel;
    QTest::newRow("Pool::cancel()") << CancelBy::PoolCancel;
    QTest::newRow("break out of yielding()") << CancelBy::YieldingBreak;
    QTest::newRow("delete pool") << CancelBy::DestroyPool;
    QTest::newRow("QFuture::cancel() of a spawned fetch") << CancelBy::SpawnedCancel;
}

// Canceling a request the server is working on closes the connection (the server sees the
// request aborted), ends the future canceled, not failed, and deletes the reply; a group is idle
// at once.
void tst_Network::cancelAborts()
{
    QFETCH(CancelBy, by);
    QSignalSpy started(m_server.get(), &HttpServer::requestStarted);
    QSignalSpy aborted(m_server.get(), &HttpServer::requestAborted);
    const QNetworkRequest slow(url("/slow"));
    const auto slowStarted = [&started] {
        for (const QList<QVariant> &arguments : started) {
            if (arguments.at(0).toByteArray() == "/slow")
                return true;
        }
        return false;
    };

    QFuture<QByteArray> future;
    std::unique_ptr<Group> group; // kept until the end: its cancel(), not its end, must abort
    switch (by) {
    case CancelBy::FutureCancel:
        future = AioUtils::fetch(m_nam.get(), slow);
        QTRY_VERIFY_WITH_TIMEOUT(slowStarted(), Patience);
        future.cancel();
        break;
    case CancelBy::GroupCancel:
        group = std::make_unique<Group>();
        future = group->spawn(AioUtils::fetch, m_nam.get(), slow);
        QTRY_VERIFY_WITH_TIMEOUT(slowStarted(), Patience);
        group->cancel();
        QVERIFY(group->isIdle());
        break;
    case CancelBy::PoolCancel: {
        auto pool = std::make_unique<Pool>(1);
        future = pool->spawn(AioUtils::fetch, m_nam.get(), slow);
        QFuture<QByteArray> queued = pool->spawn(AioUtils::fetch, m_nam.get(), slow);
        QCOMPARE(pool->queuedCount(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(slowStarted(), Patience);
        pool->cancel();
        QVERIFY(pool->isIdle());
        QVERIFY(queued.isCanceled());
        group = std::move(pool);
        break;
    }
    case CancelBy::YieldingBreak: {
        auto bag = std::make_unique<Bag>();
        future = bag->spawn(AioUtils::fetch, m_nam.get(), slow);
        QTRY_VERIFY_WITH_TIMEOUT(slowStarted(), Patience);
        bag->spawn(AioUtils::fetch, m_nam.get(), QNetworkRequest(url("/hello")));
        int taken = 0;
        for (const QVariant &result : bag->yielding()) {
            ++taken;
            QCOMPARE(result.toByteArray(), helloBody);
            break;
        }
        QCOMPARE(taken, 1);
        QVERIFY(bag->isIdle());
        group = std::move(bag);
        break;
    }
    case CancelBy::DestroyPool: {
        auto pool = std::make_unique<Pool>(2);
        future = pool->spawn(AioUtils::fetch, m_nam.get(), slow);
        QTRY_VERIFY_WITH_TIMEOUT(slowStarted(), Patience);
        pool.reset();
        break;
    }
    case CancelBy::SpawnedCancel: {
        // Queued first: the request then fulfils the caller's future itself (see
        // spawnedFetchFulfilsTheCallersFuture), whose cancel() it must hear.
        auto pool = std::make_unique<Pool>(1);
        pool->spawn(AioUtils::fetch, m_nam.get(), QNetworkRequest(url("/hello")));
        future = pool->spawn(AioUtils::fetch, m_nam.get(), slow);
        QTRY_VERIFY_WITH_TIMEOUT(slowStarted(), Patience);
        future.cancel();
        QTRY_VERIFY_WITH_TIMEOUT(pool->isIdle(), Patience);
        group = std::move(pool);
        break;
    }
    }

    QTRY_COMPARE_WITH_TIMEOUT(aborted.count(), 1, Patience);
    QCOMPARE(aborted.at(0).at(0).toByteArray(), QByteArray("/slow"));
    QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), Patience);
    QVERIFY(future.isCanceled());
    QVERIFY2(!holdsException(future), "a cancellation must not be reported as a failure");
    QTRY_VERIFY_WITH_TIMEOUT(noRepliesLeft(), Patience);
    if (group) {
        QCOMPARE(group->failedCount(), 0);
        QVERIFY(group->isIdle());
    }
    QCOMPARE(started.count(),
             by == CancelBy::YieldingBreak || by == CancelBy::SpawnedCancel ? 2 : 1);
}

// spawn(AioUtils::fetch, ...) by name: the request fulfils the future the caller got at spawn
// time itself (one future state, nothing forwarded), whether the task was queued or started at
// once; a second toFuture() of the reply finds that same future.
void tst_Network::spawnedFetchFulfilsTheCallersFuture()
{
    QSignalSpy started(m_server.get(), &HttpServer::requestStarted);
    Pool pool(1);
    const QFuture<QByteArray> first = pool.spawn(AioUtils::fetch, m_nam.get(), slowRequest());
    const QFuture<QByteArray> queued = pool.spawn(AioUtils::fetch, m_nam.get(), slowRequest());
    QVERIFY(!queued.isStarted()); // a queued future task's future starts with its work
    int requests = 0;
    for (const QFuture<QByteArray> &future : { first, queued }) {
        ++requests;
        QTRY_COMPARE_WITH_TIMEOUT(started.count(), requests, Patience);
        QVERIFY(future.isStarted());
        const QList<QNetworkReply *> replies = m_nam->findChildren<QNetworkReply *>();
        QCOMPARE(replies.size(), 1);
        QVERIFY(QFutureInterfaceBase::get(AioUtils::toFuture(replies.first()))
                == QFutureInterfaceBase::get(future));
        QFuture<QByteArray>(future).cancel();
    }
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    QCOMPARE(pool.failedCount(), 0);
    QCOMPARE(started.count(), 2);
    QTRY_VERIFY_WITH_TIMEOUT(noRepliesLeft(), Patience);
}

// The group goes while a queued spawned fetch runs: the future spawn() gave (the request's own)
// is canceled and finished by then, its continuations run, as for any other task; the request is
// aborted.
void tst_Network::groupDestroyedWhileSpawnedFetchRuns()
{
    QSignalSpy aborted(m_server.get(), &HttpServer::requestAborted);
    auto pool = std::make_unique<Pool>(1);
    pool->spawn(AioUtils::fetch, m_nam.get(), QNetworkRequest(url("/hello")));
    QFuture<QByteArray> queued = pool->spawn(AioUtils::fetch, m_nam.get(), slowRequest());
    QTRY_VERIFY_WITH_TIMEOUT(queued.isStarted(), Patience);
    bool continued = false;
    queued.onCanceled([&] {
        continued = true;
        return QByteArray();
    });
    pool.reset();
    QVERIFY(queued.isCanceled());
    QVERIFY(queued.isFinished());
    QVERIFY(continued);
    QTRY_COMPARE_WITH_TIMEOUT(aborted.count(), 1, Patience);
    QTRY_VERIFY_WITH_TIMEOUT(noRepliesLeft(), Patience);
}

void tst_Network::spawnedFetchTimesOut_data()
{
    QTest::addColumn<Group::FailurePolicy>("policy");
    QTest::newRow("ContinueOnFailure") << Group::ContinueOnFailure;
    QTest::newRow("CancelOnFailure") << Group::CancelOnFailure;
}

// A spawned fetch past the group's taskTimeout: the caller's future (the request's own) fails
// with a TimeoutError, the request is aborted at the server, and the task counts as failed,
// once: the request's own end afterwards is not a second failure.
void tst_Network::spawnedFetchTimesOut()
{
    QFETCH(Group::FailurePolicy, policy);
    QSignalSpy aborted(m_server.get(), &HttpServer::requestAborted);
    Pool pool(1);
    pool.setFailurePolicy(policy);
    QSignalSpy failed(&pool, &Group::taskFailed);
    pool.setTaskTimeout(200);
    pool.spawn(AioUtils::fetch, m_nam.get(), QNetworkRequest(url("/hello")));
    const QFuture<QByteArray> future = pool.spawn(AioUtils::fetch, m_nam.get(), slowRequest());
    QVERIFY_THROWS_EXCEPTION(AioUtils::TimeoutError, pool.join(QDeadlineTimer(Patience)));
    QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), Patience);
    QVERIFY_THROWS_EXCEPTION(AioUtils::TimeoutError, QFuture<QByteArray>(future).waitForFinished());
    QTRY_COMPARE_WITH_TIMEOUT(aborted.count(), 1, Patience);
    // The reply settled (and reported to the group) before it was deleted.
    QTRY_VERIFY_WITH_TIMEOUT(noRepliesLeft(), Patience);
    QCOMPARE(pool.failedCount(), 1);
    QCOMPARE(failed.count(), 1);
    QVERIFY(pool.failures().isEmpty()); // join() took the one failure; none came after
}

namespace {
// A manager whose createRequest() throws for /throw, as an override may.
class ThrowingManager : public QNetworkAccessManager
{
protected:
    QNetworkReply *createRequest(Operation op, const QNetworkRequest &request,
                                 QIODevice *data) override
    {
        if (request.url().path() == QLatin1String("/throw"))
            throw std::runtime_error("refused by createRequest");
        return QNetworkAccessManager::createRequest(op, request, data);
    }
};
} // namespace

void tst_Network::spawnedRequestWhoseManagerThrows_data()
{
    QTest::addColumn<bool>("whole");
    QTest::newRow("fetch") << false;
    QTest::newRow("request") << true;
}

// A request spawned by name whose manager throws as it starts it: a failed task (counted,
// signaled, rethrown by join()), and the future spawn() gave finished.
void tst_Network::spawnedRequestWhoseManagerThrows()
{
    QFETCH(bool, whole);
    ThrowingManager nam;
    Pool pool(1);
    pool.spawn(AioUtils::fetch, &nam, QNetworkRequest(url("/hello")));
    const QNetworkRequest refused(url("/throw"));
    const QFuture<void> future = whole ? QFuture<void>(pool.spawn(AioUtils::request, &nam, refused,
                                                                  AioUtils::RequestOptions()))
                                       : QFuture<void>(pool.spawn(AioUtils::fetch, &nam, refused));
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, pool.join(QDeadlineTimer(Patience)));
    QVERIFY(future.isFinished());
    QCOMPARE(pool.failedCount(), 1);
}

// A queued task that returns fetch()'s future from a lambda (forwarded to the future spawn()
// gave), canceled through that future while the request runs: its continuation runs once.
void tst_Network::forwardedFetchCanceledContinuesOnce()
{
    QNetworkAccessManager *nam = m_nam.get();
    const QNetworkRequest slow = slowRequest();
    Pool pool(1);
    pool.spawn(AioUtils::fetch, nam, QNetworkRequest(url("/hello")));
    QFuture<QByteArray> future = pool.spawn([nam, slow] { return AioUtils::fetch(nam, slow); });
    int runs = 0;
    auto continued =
            future.then([&runs](const QByteArray &) { ++runs; }).onCanceled([&runs] { ++runs; });
    QTRY_VERIFY_WITH_TIMEOUT(future.isStarted(), Patience);
    future.cancel();
    QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), Patience);
    QTRY_VERIFY_WITH_TIMEOUT(pool.isIdle(), Patience);
    QTRY_VERIFY_WITH_TIMEOUT(noRepliesLeft(), Patience);
    QCOMPARE(runs, 1);
}

void tst_Network::transferTimeout_data()
{
    QTest::addColumn<TimeoutOn>("on");
    QTest::newRow("QNetworkRequest::setTransferTimeout()") << TimeoutOn::Request;
    QTest::newRow("QNetworkAccessManager::setTransferTimeout()") << TimeoutOn::Manager;
}

// A transfer timeout (no data for 200 ms from a server that answers after 60 s) is a failure
// that says it timed out, not a cancellation. Qt 6.4 reports it as OperationCanceledError.
void tst_Network::transferTimeout()
{
    QFETCH(TimeoutOn, on);
    QSignalSpy aborted(m_server.get(), &HttpServer::requestAborted);
    QNetworkRequest request(url("/slow"));
    if (on == TimeoutOn::Request)
        request.setTransferTimeout(200);
    else
        m_nam->setTransferTimeout(200);

    Group group;
    QSignalSpy failed(&group, &Group::taskFailed);
    QElapsedTimer timer;
    timer.start();
    QFuture<QByteArray> future = group.spawn(AioUtils::fetch, m_nam.get(), request);
    std::optional<NetworkError> rethrown;
    try {
        group.join(QDeadlineTimer(Patience));
    } catch (const NetworkError &e) {
        rethrown = e;
    }
    const qint64 elapsed = timer.elapsed();
    QVERIFY2(rethrown, "join() did not rethrow a NetworkError");
    QVERIFY2(elapsed < 5000, qPrintable(QStringLiteral("took %1 ms").arg(elapsed)));
    QVERIFY(group.isIdle());
    QCOMPARE(group.failedCount(), 1);
    QCOMPARE(group.finishedCount(), 1);
    QCOMPARE(failed.count(), 1);

    QVERIFY(future.isFinished());
    const std::optional<NetworkError> failure = networkErrorOf(future);
    QVERIFY2(failure, "the future must fail with a NetworkError, not be canceled");
    QCOMPARE(failure->error(), QNetworkReply::OperationCanceledError);
    QCOMPARE(failure->httpStatus(), 0);
    QCOMPARE(failure->url(), request.url());
    const QString what = QString::fromUtf8(failure->what());
    QVERIFY2(what.contains(caseless(QStringLiteral("time(d)? ?out"))), qPrintable(what));
    QVERIFY2(failed.at(0).at(0).toString().contains(caseless(QStringLiteral("time(d)? ?out"))),
             qPrintable(failed.at(0).at(0).toString()));
    // QFuture has no state "failed": a future holding an exception is also isCanceled() in Qt 6.
    // What tells the two apart is the exception, and the group's failedCount().
    QVERIFY(future.isCanceled());

    QTRY_COMPARE_WITH_TIMEOUT(aborted.count(), 1, Patience);
    QTRY_VERIFY_WITH_TIMEOUT(noRepliesLeft(), Patience);
}

// A reply that user code aborts is not a transfer timeout, even when the request has one set.
void tst_Network::userAbortIsNotATimeout_data()
{
    QTest::addColumn<int>("transferTimeout");
    QTest::newRow("no timeout") << 0;
    QTest::newRow("timeout not reached") << 30000;
}

// User code that aborts the reply it handed to toFuture() cancels the future, like deleting it; it
// is neither a failure nor mistaken for the transfer timeout that Qt reports with the same error.
void tst_Network::userAbortIsNotATimeout()
{
    QFETCH(int, transferTimeout);
    QSignalSpy started(m_server.get(), &HttpServer::requestStarted);
    QNetworkRequest request(url("/slow"));
    request.setTransferTimeout(transferTimeout);
    QNetworkReply *reply = m_nam->get(request);
    Group group;
    QFuture<QByteArray> future = group.spawn(AioUtils::toFuture(reply));
    QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, Patience);
    reply->abort();
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QVERIFY(future.isCanceled());
    QVERIFY(!networkErrorOf(future));
    QCOMPARE(group.failedCount(), 0);
    QTRY_VERIFY_WITH_TIMEOUT(noRepliesLeft(), Patience);
}

// Pool(4): never more than 4 requests at the server, and 4 at some point; all 40 succeed.
void tst_Network::poolLimitsRequestsInFlight()
{
    Pool pool(4);
    QList<QFuture<QByteArray>> futures;
    for (int i = 0; i < 40; ++i)
        futures << pool.spawn(AioUtils::fetch, m_nam.get(), QNetworkRequest(url("/delay30")));
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    QCOMPARE(pool.finishedCount(), 40);
    QCOMPARE(pool.failedCount(), 0);
    QCOMPARE(m_server->requestCount(), 40);
    QCOMPARE(m_server->maxInFlight(), 4);
    for (const QFuture<QByteArray> &future : std::as_const(futures))
        QCOMPARE(future.result(), QByteArrayLiteral("ok"));
    QTRY_VERIFY_WITH_TIMEOUT(noRepliesLeft(), Patience);
}

// 500 requests answered after random delays come out of an OrderedBag(8) complete and in spawn
// order, each a QByteArray.
void tst_Network::orderedBagInSpawnOrder()
{
    OrderedBag bag(8);
    for (int i = 0; i < NumberedPages; ++i) {
        const QUrl page = m_server->url().resolved(QUrl(QStringLiteral("/n/%1").arg(i)));
        bag.spawn(AioUtils::fetch, m_nam.get(), QNetworkRequest(page));
    }
    QList<QByteArray> bodies;
    bodies.reserve(NumberedPages);
    for (const QVariant &result : bag.yielding()) {
        QCOMPARE(result.metaType(), QMetaType::fromType<QByteArray>());
        bodies << result.toByteArray();
    }
    QCOMPARE(bodies.size(), NumberedPages);
    for (int i = 0; i < NumberedPages; ++i)
        QCOMPARE(bodies.at(i), QByteArray::number(i));
    QCOMPARE(bag.failedCount(), 0);
    QCOMPARE(bag.finishedCount(), NumberedPages);
    QCOMPARE(m_server->requestCount(), NumberedPages);
    QVERIFY(m_server->maxInFlight() <= 8);
    QTRY_VERIFY_WITH_TIMEOUT(noRepliesLeft(), Patience);
}

void tst_Network::repliesAlwaysDeleted_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<CancelWhen>("cancel");
    QTest::newRow("success") << QByteArray("/hello") << CancelWhen::Never;
    QTest::newRow("1 MiB") << QByteArray("/big") << CancelWhen::Never;
    QTest::newRow("404") << QByteArray("/missing") << CancelWhen::Never;
    QTest::newRow("500") << QByteArray("/broken") << CancelWhen::Never;
    QTest::newRow("canceled at once") << QByteArray("/slow") << CancelWhen::AtOnce;
    QTest::newRow("canceled at the server") << QByteArray("/slow") << CancelWhen::AtTheServer;
}

// Whatever the outcome, the manager keeps no reply.
void tst_Network::repliesAlwaysDeleted()
{
    QFETCH(QByteArray, path);
    QFETCH(CancelWhen, cancel);
    QSignalSpy started(m_server.get(), &HttpServer::requestStarted);
    QList<QFuture<QByteArray>> futures;
    for (int i = 0; i < 3; ++i)
        futures << AioUtils::fetch(m_nam.get(), QNetworkRequest(url(path.constData())));
    QCOMPARE(m_nam->findChildren<QNetworkReply *>().size(), 3);
    if (cancel == CancelWhen::AtTheServer)
        QTRY_COMPARE_WITH_TIMEOUT(started.count(), 3, Patience);
    if (cancel != CancelWhen::Never) {
        for (QFuture<QByteArray> &future : futures)
            future.cancel();
    }
    // A failed future is isCanceled() too in Qt 6; only a success is not.
    const bool succeeds = cancel == CancelWhen::Never && (path == "/hello" || path == "/big");
    for (const QFuture<QByteArray> &future : std::as_const(futures)) {
        QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), Patience);
        QCOMPARE(future.isCanceled(), !succeeds);
    }
    QTRY_VERIFY_WITH_TIMEOUT(noRepliesLeft(), Patience);
}

void tst_Network::nullInput_data()
{
    QTest::addColumn<bool>("viaToFuture");
    QTest::newRow("fetch(nullptr, request)") << false;
    QTest::newRow("toFuture(nullptr)") << true;
}

// A null manager or reply: a finished, failed future that says what is null, and a warning.
void tst_Network::nullInput()
{
    QFETCH(bool, viaToFuture);
    const QUrl where = url("/hello");
    QTest::ignoreMessage(QtWarningMsg,
                         viaToFuture
                                 ? caseless(QStringLiteral("toFuture.*reply.*null"))
                                 : caseless(QStringLiteral("fetch.*QNetworkAccessManager.*null")));
    QFuture<QByteArray> future = viaToFuture ? AioUtils::toFuture(nullptr)
                                             : AioUtils::fetch(nullptr, QNetworkRequest(where));
    QVERIFY(future.isFinished());
    QVERIFY_THROWS_EXCEPTION(NetworkError, future.result());
    const std::optional<NetworkError> failure = networkErrorOf(future);
    QVERIFY(failure);
    QCOMPARE(failure->httpStatus(), 0);
    const QString what = QString::fromUtf8(failure->what());
    QVERIFY2(what.contains(QLatin1String("null")), qPrintable(what));
    QVERIFY2(what.contains(viaToFuture ? QLatin1String("reply")
                                       : QLatin1String("QNetworkAccessManager")),
             qPrintable(what));
    if (!viaToFuture)
        QCOMPARE(failure->url(), where);
    QCOMPARE(m_server->requestCount(), 0);
}

// fetch() on another thread than the manager's: a failed future naming the mistake, a warning,
// no request and no crash.
void tst_Network::fetchFromOtherThread()
{
    const QUrl where = url("/hello");
    QTest::ignoreMessage(QtWarningMsg, caseless(QStringLiteral("fetch.*another thread")));
    QFuture<QByteArray> future;
    QNetworkAccessManager *nam = m_nam.get();
    std::thread thread([&] { future = AioUtils::fetch(nam, QNetworkRequest(where)); });
    thread.join();
    QVERIFY(future.isFinished());
    const std::optional<NetworkError> failure = networkErrorOf(future);
    QVERIFY(failure);
    const QString what = QString::fromUtf8(failure->what());
    QVERIFY2(what.contains(QLatin1String("another thread")), qPrintable(what));
    QVERIFY2(what.contains(QLatin1String("QNetworkAccessManager")), qPrintable(what));
    QCOMPARE(failure->url(), where);
    QVERIFY(noRepliesLeft());
    QCOMPARE(m_server->requestCount(), 0);
}

void tst_Network::replyTakenAway_data()
{
    QTest::addColumn<TakenBy>("by");
    QTest::newRow("delete reply") << TakenBy::DeleteReply;
    QTest::newRow("delete QNetworkAccessManager") << TakenBy::DeleteManager;
}

// User code deletes the reply (or its manager) before it finished: the future ends canceled at
// once instead of hanging, and the server sees the request go.
void tst_Network::replyTakenAway()
{
    QFETCH(TakenBy, by);
    QSignalSpy started(m_server.get(), &HttpServer::requestStarted);
    QSignalSpy aborted(m_server.get(), &HttpServer::requestAborted);
    QNetworkReply *reply = m_nam->get(QNetworkRequest(url("/slow")));
    QFuture<QByteArray> future = AioUtils::toFuture(reply);
    QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, Patience);
    QVERIFY(!future.isFinished());
    if (by == TakenBy::DeleteReply)
        delete reply;
    else
        m_nam.reset();
    QVERIFY(future.isFinished());
    QVERIFY(future.isCanceled());
    QVERIFY(!holdsException(future));
    QTRY_COMPARE_WITH_TIMEOUT(aborted.count(), 1, Patience);
    QVERIFY(noRepliesLeft());
}

void tst_Network::toFutureOfFinishedReply_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<int>("status");
    QTest::newRow("200") << QByteArray("/hello") << 200;
    QTest::newRow("404") << QByteArray("/missing") << 404;
}

// toFuture() of a reply that has already finished settles at once from what the reply holds.
void tst_Network::toFutureOfFinishedReply()
{
    QFETCH(QByteArray, path);
    QFETCH(int, status);
    QNetworkReply *reply = m_nam->get(QNetworkRequest(url(path.constData())));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QVERIFY(finished.wait(Patience));
    QVERIFY(reply->isFinished());

    QFuture<QByteArray> future = AioUtils::toFuture(reply);
    QVERIFY(future.isFinished());
    if (status == 200) {
        QCOMPARE(future.result(), helloBody);
    } else {
        const std::optional<NetworkError> failure = networkErrorOf(future);
        QVERIFY(failure);
        QCOMPARE(failure->httpStatus(), status);
        QCOMPARE(failure->error(), QNetworkReply::ContentNotFoundError);
    }
    QTRY_VERIFY_WITH_TIMEOUT(noRepliesLeft(), Patience);
}

// toFuture() twice on one reply: one follower, one future, the whole body for both callers.
void tst_Network::toFutureTwice()
{
    QNetworkReply *reply = m_nam->get(QNetworkRequest(url("/hello")));
    QFuture<QByteArray> first = AioUtils::toFuture(reply);
    QFuture<QByteArray> second = AioUtils::toFuture(reply);
    QTRY_VERIFY_WITH_TIMEOUT(first.isFinished() && second.isFinished(), Patience);
    QCOMPARE(first.result(), helloBody);
    QCOMPARE(second.result(), helloBody);
    QTRY_VERIFY_WITH_TIMEOUT(noRepliesLeft(), Patience);
}

void tst_Network::toFutureAgainAsItSettles()
{
    // Asked again from a continuation of the first future (run as that future finishes, while the
    // reply is still there), toFuture() gives the same, finished future.
    QNetworkReply *reply = m_nam->get(QNetworkRequest(url("/hello")));
    QFuture<QByteArray> first = AioUtils::toFuture(reply);
    QFuture<QByteArray> second;
    first.then([&](const QFuture<QByteArray> &) { second = AioUtils::toFuture(reply); });
    QTRY_VERIFY_WITH_TIMEOUT(first.isFinished() && second.isFinished(), Patience);
    QCOMPARE(first.result(), helloBody);
    QCOMPARE(second.result(), helloBody);
    QTRY_VERIFY_WITH_TIMEOUT(noRepliesLeft(), Patience);
}

void tst_Network::toFutureFromOtherThread_data()
{
    QTest::addColumn<bool>("cancelAtOnce");
    QTest::newRow("body") << false;
    QTest::newRow("canceled on that thread before it is followed") << true;
}

// toFuture() called on another thread, one without an event loop, follows the reply on the reply's
// own thread: the future settles there, with the body. Canceled at once, the reply is aborted and
// deleted.
void tst_Network::toFutureFromOtherThread()
{
    QFETCH(bool, cancelAtOnce);
    QNetworkReply *reply = m_nam->get(QNetworkRequest(url("/hello")));
    QThread *const replyThread = reply->thread();
    QThread *caller = nullptr;
    QThread *settledOn = nullptr;
    QFuture<QByteArray> future;
    QFuture<QByteArray> seen;

    // A std::thread, not QtConcurrent::run(): TSan sees join() hand the variables back, but not
    // QThreadPool::waitForDone() in a Qt that was not built with it.
    std::thread other([&] {
        caller = QThread::currentThread();
        future = AioUtils::toFuture(reply);
        // Attached before the reply's thread spins again, so before the future can settle.
        seen = future.then([&settledOn](QByteArray body) {
            settledOn = QThread::currentThread();
            return body;
        });
        if (cancelAtOnce)
            future.cancel();
    });
    other.join();
    QVERIFY(caller);
    QVERIFY(caller != replyThread);

    QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), Patience);
    if (cancelAtOnce) {
        QVERIFY(future.isCanceled());
        QVERIFY(!holdsException(future));
    } else {
        QTRY_VERIFY_WITH_TIMEOUT(seen.isFinished(), Patience);
        QCOMPARE(seen.result(), helloBody);
        QCOMPARE(future.result(), helloBody);
        QCOMPARE(settledOn, replyThread);
    }
    QTRY_VERIFY_WITH_TIMEOUT(noRepliesLeft(), Patience);
}

QTEST_GUILESS_MAIN(tst_Network)

#include "tst_network.moc"
