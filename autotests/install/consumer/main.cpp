// SPDX-License-Identifier: Apache-2.0

// A C++17 program using the installed AioUtils package the way an application would: the
// CamelCase headers, the Group and Pool API of the design, failures and cancellation, and a
// network job through AioUtils::Network. It exits non-zero if anything does not behave as
// documented.

#include <AioUtils/AioUtils>
#include <AioUtils/Group>
#include <AioUtils/Pool>
#ifdef CONSUMER_NETWORK
#include <AioUtils/Network>
#include <AioUtils/NetworkError>
#endif

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QMetaEnum>
#include <QtCore/QMutex>
#include <QtCore/QPromise>
#include <QtCore/QStringList>
#include <QtCore/QThread>
#include <QtCore/QThreadPool>
#include <QtCore/QTimer>
#include <QtCore/QVariant>
#ifdef CONSUMER_NETWORK
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkRequest>
#include <QtNetwork/QTcpServer>
#endif

#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

using AioUtils::Group;
using AioUtils::Pool;

namespace {

int failures = 0;

void check(bool ok, const char *what, int line)
{
    if (!ok) {
        std::fprintf(stderr, "FAIL line %d: %s\n", line, what);
        ++failures;
    }
}

#define CHECK(cond) check(static_cast<bool>(cond), #cond, __LINE__)

// Long enough that a hung join() fails the check instead of the whole test timing out.
QDeadlineTimer patience()
{
    return QDeadlineTimer(20000);
}

// A future that finishes with `value` after `ms` milliseconds, like asyncio.sleep(). The timer is a
// child of `context`, so a timer whose task was canceled does not outlive main().
template<typename T> QFuture<T> delayed(QObject *context, int ms, T value)
{
    auto promise = std::make_shared<QPromise<T>>();
    promise->start();
    auto *timer = new QTimer(context);
    timer->setSingleShot(true);
    QObject::connect(timer, &QTimer::timeout, timer, [timer, promise, value] {
        promise->addResult(value);
        promise->finish();
        timer->deleteLater();
    });
    timer->start(ms);
    return promise->future();
}

QFuture<int> ready(int value)
{
    QPromise<int> promise;
    promise.start();
    promise.addResult(value);
    promise.finish();
    return promise.future();
}

void emptyGroup()
{
    Group group;
    CHECK(group.isIdle());
    CHECK(group.property("idle").toBool());
    CHECK(group.maxConcurrency() == 0);
    CHECK(group.failurePolicy() == Group::ContinueOnFailure);
    CHECK(group.spawnedCount() == 0);
    CHECK(group.join());
    CHECK(group.joined().isFinished());
    CHECK(!group.firstFailure());
    CHECK(std::strcmp(Group::staticMetaObject.className(), "AioUtils::Group") == 0);
}

void spawnKinds(QObject *context)
{
    Group group;
    int finishedSignals = 0;
    QObject::connect(&group, &Group::finished, &group, [&finishedSignals] { ++finishedSignals; });
    QThreadPool ownPool;
    QThread *const mainThread = QThread::currentThread();
    std::atomic<int> voidRuns { 0 };

    QFuture<int> adoptedReady = group.spawn(ready(1));
    QFuture<int> adoptedRunning = group.spawn(delayed(context, 30, 2));
    QFuture<int> pooled = group.spawn([] { return 6 * 7; });
    QFuture<void> pooledVoid = group.spawn([&voidRuns] { voidRuns.fetch_add(1); });
    QFuture<int> withArgs = group.spawn([](int a, int b) { return a + b; }, 2, 3);
    QFuture<bool> onOwnPool =
            group.spawn(&ownPool, [mainThread] { return QThread::currentThread() != mainThread; });
    QFuture<int> futureReturning = group.spawn([context] { return delayed(context, 20, 7); });
    QFuture<void> round = group.joined();

    CHECK(!group.isIdle());
    CHECK(!round.isFinished());
    CHECK(group.join(patience()));
    CHECK(group.isIdle());
    CHECK(round.isFinished());
    CHECK(!round.isCanceled());
    CHECK(finishedSignals == 1);

    CHECK(adoptedReady.result() == 1);
    CHECK(adoptedRunning.result() == 2);
    CHECK(pooled.result() == 42);
    CHECK(pooledVoid.isFinished() && voidRuns == 1);
    CHECK(withArgs.result() == 5);
    CHECK(onOwnPool.result());
    CHECK(futureReturning.result() == 7);

    CHECK(group.spawnedCount() == 7);
    CHECK(group.finishedCount() == 7);
    CHECK(group.failedCount() == 0);
    CHECK(group.queuedCount() == 0);
    CHECK(group.runningCount() == 0);
    CHECK(group.property("finishedCount").toInt() == 7);
}

void nestedSpawn(QObject *context)
{
    Group group;
    group.spawn([&group, context] {
        return delayed(context, 10, 0).then(QtFuture::Launch::Sync, [&group, context](int) {
            for (int i = 0; i < 3; ++i)
                group.spawn([context] { return delayed(context, 10, 0); });
        });
    });
    CHECK(group.join(patience()));
    CHECK(group.spawnedCount() == 4);
    CHECK(group.finishedCount() == 4);
}

void pool(QObject *context)
{
    Pool pool(2);
    CHECK(pool.size() == 2);
    CHECK(pool.maxConcurrency() == 2);
    CHECK(pool.property("size").toInt() == 2);
    CHECK(pool.freeCount() == 2);
    CHECK(!pool.isFull());

    QFuture<int> a = pool.spawn([context] { return delayed(context, 20, 1); });
    QFuture<int> b = pool.spawn([context] { return delayed(context, 40, 2); });
    QFuture<int> c = pool.spawn([context] { return delayed(context, 20, 3); });
    CHECK(pool.runningCount() == 2);
    CHECK(pool.queuedCount() == 1);
    CHECK(pool.isFull());
    CHECK(pool.freeCount() == 0);
    CHECK(pool.waitAvailable(patience()));
    CHECK(pool.freeCount() >= 1);
    CHECK(pool.join(patience()));
    CHECK(a.result() == 1 && b.result() == 2 && c.result() == 3);
    CHECK(pool.spawnedCount() == 3);
    CHECK(pool.finishedCount() == 3);

    pool.setSize(3);
    CHECK(pool.size() == 3);
    CHECK(pool.maxConcurrency() == 3);

    // Queued work starts in spawn order.
    Pool one(1);
    QMutex mutex;
    std::vector<int> order;
    for (int i = 0; i < 5; ++i) {
        one.spawn([&mutex, &order, i] {
            QMutexLocker lock(&mutex);
            order.push_back(i);
        });
    }
    CHECK(one.join(patience()));
    CHECK((order == std::vector<int> { 0, 1, 2, 3, 4 }));

    // A queued task whose future is canceled never starts, and still counts as ended.
    std::atomic<bool> ran { false };
    one.spawn([context] { return delayed(context, 20, 0); });
    QFuture<void> dropped = one.spawn([&ran] { ran = true; });
    dropped.cancel();
    CHECK(one.join(patience()));
    CHECK(!ran);
    CHECK(one.finishedCount() == 2);
}

void failure(QObject *context)
{
    Group group;
    QStringList messages;
    QObject::connect(&group, &Group::taskFailed, &group,
                     [&messages](const QString &message) { messages.append(message); });
    group.spawn([]() -> int { throw std::runtime_error("boom"); });
    group.spawn([context] { return delayed(context, 10, 1); });
    QFuture<void> round = group.joined();

    bool threw = false;
    try {
        group.join(patience());
    } catch (const std::exception &e) {
        threw = true;
        CHECK(std::strcmp(e.what(), "boom") == 0);
    }
    CHECK(threw);
    CHECK(group.failedCount() == 1);
    CHECK(group.finishedCount() == 2);
    CHECK(messages == QStringList { QStringLiteral("boom") });
    CHECK(!group.firstFailure()); // join() took it
    CHECK(group.join());          // and rethrows it only once

    CHECK(round.isFinished());
    bool roundThrew = false;
    try {
        round.waitForFinished();
    } catch (const std::exception &e) {
        roundThrew = std::strcmp(e.what(), "boom") == 0;
    }
    CHECK(roundThrew);
}

void cancelOnFailure(QObject *context)
{
    Group group;
    int policySignals = 0;
    QObject::connect(&group, &Group::failurePolicyChanged, &group,
                     [&policySignals] { ++policySignals; });
    group.setFailurePolicy(Group::CancelOnFailure);
    CHECK(group.failurePolicy() == Group::CancelOnFailure);
    CHECK(policySignals == 1);
    const QMetaEnum policies = QMetaEnum::fromType<Group::FailurePolicy>();
    CHECK(std::strcmp(policies.valueToKey(Group::CancelOnFailure), "CancelOnFailure") == 0);
    CHECK(group.property("failurePolicy").toInt() == Group::CancelOnFailure);

    QElapsedTimer clock;
    clock.start();
    QFuture<int> slow = group.spawn([context] { return delayed(context, 60000, 1); });
    group.spawn([]() -> int { throw std::runtime_error("bad"); });
    bool threw = false;
    try {
        group.join(patience());
    } catch (const std::exception &e) {
        threw = std::strcmp(e.what(), "bad") == 0;
    }
    CHECK(threw);
    CHECK(clock.elapsed() < 10000);
    CHECK(slow.isCanceled());
    CHECK(group.failedCount() == 1);
    CHECK(group.finishedCount() == 2);
}

void cancel(QObject *context)
{
    Pool pool(1);
    std::atomic<bool> started { false };
    QFuture<int> running = pool.spawn([context] { return delayed(context, 60000, 1); });
    QFuture<void> queued = pool.spawn([&started] { started = true; });
    QFuture<void> round = pool.joined();
    CHECK(pool.runningCount() == 1);
    CHECK(pool.queuedCount() == 1);

    pool.cancel();
    CHECK(pool.isIdle());
    CHECK(pool.join(QDeadlineTimer(1000)));
    CHECK(running.isCanceled());
    CHECK(queued.isFinished() && queued.isCanceled());
    CHECK(!started);
    CHECK(round.isFinished() && round.isCanceled());
    CHECK(pool.failedCount() == 0);
    CHECK(pool.finishedCount() == 2);

    // The pool stays usable; the next round counts afresh.
    pool.spawn(ready(3));
    CHECK(pool.join(patience()));
    CHECK(pool.spawnedCount() == 1);
}

void destroyedMidRound(QObject *context)
{
    QFuture<int> orphan;
    {
        Group group;
        orphan = group.spawn([context] { return delayed(context, 60000, 1); });
    }
    CHECK(orphan.isCanceled());
}

void foreignThread()
{
    // A thread not started by QThread, as the seed's threading tests use.
    bool ok = false;
    int result = 0;
    std::thread thread([&ok, &result] {
        Group group;
        QFuture<int> future = group.spawn([] { return 11; });
        ok = group.join(patience()) && group.finishedCount() == 1;
        result = future.result();
    });
    thread.join();
    CHECK(ok);
    CHECK(result == 11);
}

#ifdef CONSUMER_NETWORK
void network()
{
    // A port that refuses: listened on, then closed. The job is spawned by name, as documented.
    QTcpServer closed;
    CHECK(closed.listen(QHostAddress::LocalHost));
    const QUrl url(QStringLiteral("http://127.0.0.1:%1/").arg(closed.serverPort()));
    closed.close();

    QNetworkAccessManager nam;
    Pool pool(2);
    QString message;
    QObject::connect(&pool, &Group::taskFailed, &pool,
                     [&message](const QString &what) { message = what; });
    QFuture<QByteArray> page = pool.spawn(AioUtils::fetch, &nam, QNetworkRequest(url));
    bool caught = false;
    try {
        pool.join(patience());
    } catch (const AioUtils::NetworkError &error) {
        caught = error.error() == QNetworkReply::ConnectionRefusedError && error.httpStatus() == 0
                && error.url() == url;
    }
    CHECK(caught);
    CHECK(pool.failedCount() == 1);
    CHECK(message.startsWith(url.toDisplayString()));
    // The task's own future holds the same failure (Qt marks a failed future canceled too).
    bool rethrown = false;
    try {
        page.waitForFinished();
    } catch (const AioUtils::NetworkError &error) {
        rethrown = error.error() == QNetworkReply::ConnectionRefusedError;
    }
    CHECK(rethrown);
}
#endif

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    {
        QObject context; // owns the timers of the delayed futures
        emptyGroup();
        spawnKinds(&context);
        nestedSpawn(&context);
        pool(&context);
        failure(&context);
        cancelOnFailure(&context);
        cancel(&context);
        destroyedMidRound(&context);
        foreignThread();
#ifdef CONSUMER_NETWORK
        network();
#endif
    }
    if (failures) {
        std::fprintf(stderr, "consumer: %d check(s) failed\n", failures);
        return 1;
    }
    std::printf("consumer: all checks passed\n");
    return 0;
}
