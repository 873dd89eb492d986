// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// AioUtils::Coro: a Bag's results through QCORO_FOREACH (no nested event loop, the failure after
// the last result, leaving early cancels the rest, the bag or the consumer going away), and
// callables returning QCoro::Task<T> as tasks of a group.

#include <AioUtils/Bag>
#include <AioUtils/Coro>
#include <AioUtils/Group>
#include <AioUtils/OrderedBag>
#include <AioUtils/Pool>

#include "gate.h"
#include "testutil.h"

#include <QtCore/qpointer.h>
#include <QtCore/qthread.h>
#include <QtTest/qtest.h>

#include <coroutine>
#include <memory>
#include <stdexcept>

using AioUtils::Bag;
using AioUtils::Group;
using AioUtils::OrderedBag;
using AioUtils::Pool;
using TestUtil::Gates;
using TestUtil::Patience;

namespace {

// What a consumer coroutine saw.
struct Seen
{
    QVariantList values;
    QList<int> loopLevels; // QEventLoop::exec() levels running when each value came
    QString failure;
    bool ended = false;
};

QCoro::Task<> consume(Bag &bag, std::shared_ptr<Seen> seen, int stopAfter = -1)
{
    try {
        QCORO_FOREACH (const QVariant &value, AioUtils::results(bag)) {
            seen->values << value;
            seen->loopLevels << QThread::currentThread()->loopLevel();
            if (seen->values.size() == stopAfter)
                break;
        }
    } catch (const std::exception &e) {
        seen->failure = QString::fromUtf8(e.what());
    }
    seen->ended = true;
}

// The same loop whose body waits for `inBody` after each value.
QCoro::Task<> consumeSlowly(Bag &bag, QFuture<int> inBody, std::shared_ptr<Seen> seen)
{
    QCORO_FOREACH (const QVariant &value, AioUtils::results(bag)) {
        seen->values << value;
        co_await AioUtils::finished(inBody);
    }
    seen->ended = true;
}

// A coroutine the test can destroy while it is suspended (a QCoro::Task cannot be): a consumer
// that goes away in the middle of its loop.
struct Abandonable
{
    struct promise_type
    {
        Abandonable get_return_object()
        {
            return { std::coroutine_handle<promise_type>::from_promise(*this) };
        }
        std::suspend_never initial_suspend() noexcept { return {}; }
        std::suspend_always final_suspend() noexcept { return {}; }
        void return_void() { }
        void unhandled_exception() { std::terminate(); }
    };
    std::coroutine_handle<promise_type> handle;
};

Abandonable consumeOneThenWait(Bag &bag, std::shared_ptr<Seen> seen)
{
    auto generator = AioUtils::results(bag);
    auto it = co_await generator.begin();
    seen->values << *it;
    co_await++ it; // destroyed here
    seen->ended = true;
}

int intOf(const QVariant &value)
{
    return value.toInt();
}

} // namespace

class tst_Coro : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void resultsWithoutNestedLoop();
    void resultsOfOrderedBagInSpawnOrder();
    void resultsThrowsTheFailureAfterTheLastResult();
    void resultsThrowsAFailureThatEndsTheWait();
    void breakCancelsTheRest();
    void consumerDestroyedCancelsTheRest();
    void bagDestroyedEndsTheLoop();
    void bagDestroyedWhileTheBodyRuns();
    void emptyBagEndsAtOnce();

    void finishedGivesBackACanceledFuture();
    void finishedGivesBackAFailedFuture();
    void finishedOfAFinishedFutureDoesNotSuspend();
    void coroutineDestroyedWhileWaitingIsNotResumed();

    void spawnedCoroutineIsATask();
    void coroutineFailureIsTheTasks();
    void voidCoroutine();
    void poolLimitsCoroutines();
    void cancelEndsTheTaskAtOnce();
    void coroutineLinksWorkInItsFirstPart();
    void bagCollectsCoroutineResults();
};

void tst_Coro::resultsWithoutNestedLoop()
{
    Bag bag;
    for (int i = 0; i < 40; ++i)
        bag.spawn([i] { return TestUtil::delayed(i % 4, i); });
    auto seen = std::make_shared<Seen>();
    consume(bag, seen);
    // Driven by processEvents() (QTRY_*): no QEventLoop::exec() runs, unless AioUtils starts one.
    QTRY_VERIFY_WITH_TIMEOUT(seen->ended, Patience);
    QCOMPARE(seen->failure, QString());
    QCOMPARE(TestUtil::sortedInts(seen->values), TestUtil::range(40));
    for (int level : std::as_const(seen->loopLevels))
        QCOMPARE(level, 0);
}

void tst_Coro::resultsOfOrderedBagInSpawnOrder()
{
    OrderedBag bag(3);
    for (int i = 0; i < 20; ++i)
        bag.spawn([i] { return TestUtil::delayed((20 - i) % 5, i); });
    auto seen = std::make_shared<Seen>();
    consume(bag, seen);
    QTRY_VERIFY_WITH_TIMEOUT(seen->ended, Patience);
    QList<int> values;
    for (const QVariant &value : std::as_const(seen->values))
        values << intOf(value);
    QCOMPARE(values, TestUtil::range(20));
}

void tst_Coro::resultsThrowsTheFailureAfterTheLastResult()
{
    Bag bag;
    Gates gates;
    bag.spawn(gates.make());
    bag.spawn(TestUtil::failingAfter(0, "broken"));
    auto seen = std::make_shared<Seen>();
    consume(bag, seen);
    QTRY_COMPARE_WITH_TIMEOUT(bag.failedCount(), 1, Patience);
    TestUtil::settle();
    QVERIFY(!seen->ended);
    gates.open(0, 9);
    QTRY_VERIFY_WITH_TIMEOUT(seen->ended, Patience);
    QCOMPARE(seen->values, QVariantList { 9 });
    QCOMPARE(seen->failure, QStringLiteral("broken"));
    QVERIFY(!bag.firstFailure()); // taken once
}

void tst_Coro::resultsThrowsAFailureThatEndsTheWait()
{
    // The loop waits (suspended in nextResult()) when the round ends with a failure.
    Bag bag;
    bag.spawn(TestUtil::failingAfter(20, "while waiting"));
    auto seen = std::make_shared<Seen>();
    consume(bag, seen);
    QVERIFY(!seen->ended);
    QTRY_VERIFY_WITH_TIMEOUT(seen->ended, Patience);
    QVERIFY(seen->values.isEmpty());
    QCOMPARE(seen->failure, QStringLiteral("while waiting"));
}

void tst_Coro::breakCancelsTheRest()
{
    Bag bag;
    Gates gates;
    bag.spawn(gates.make());
    QList<QFuture<int>> rest;
    for (int i = 0; i < 3; ++i)
        rest << bag.spawn(gates.make());
    auto seen = std::make_shared<Seen>();
    consume(bag, seen, 1);
    gates.open(0, 1);
    QTRY_VERIFY_WITH_TIMEOUT(seen->ended, Patience);
    QCOMPARE(seen->values, QVariantList { 1 });
    QTRY_VERIFY_WITH_TIMEOUT(bag.isIdle(), Patience);
    for (const QFuture<int> &future : std::as_const(rest))
        QVERIFY(future.isCanceled());
}

void tst_Coro::consumerDestroyedCancelsTheRest()
{
    Bag bag;
    Gates gates;
    const QFuture<int> first = bag.spawn(gates.make());
    const QFuture<int> second = bag.spawn(gates.make());
    auto seen = std::make_shared<Seen>();
    Abandonable consumer = consumeOneThenWait(bag, seen);
    gates.open(0, 1);
    QTRY_COMPARE_WITH_TIMEOUT(seen->values.size(), 1, Patience);
    TestUtil::settle();
    QVERIFY(!consumer.handle.done());
    // The consumer goes while it waits for the second result: the generator goes with it.
    consumer.handle.destroy();
    QVERIFY(second.isCanceled());
    QTRY_VERIFY_WITH_TIMEOUT(bag.isIdle(), Patience);
    gates.open(1, 2); // too late: nothing may resume the destroyed coroutine
    TestUtil::settle();
    QVERIFY(!seen->ended);
    // Its pending nextResult() gave up its turn: a later result goes to whoever asks.
    bag.put(3);
    TestUtil::settle();
    QCOMPARE(bag.takeAll(), QVariantList { 3 });
}

void tst_Coro::bagDestroyedEndsTheLoop()
{
    auto bag = std::make_unique<Bag>();
    Gates gates;
    bag->spawn(gates.make());
    auto seen = std::make_shared<Seen>();
    consume(*bag, seen);
    TestUtil::settle();
    QVERIFY(!seen->ended);
    bag.reset();
    QTRY_VERIFY_WITH_TIMEOUT(seen->ended, Patience);
    QVERIFY(seen->values.isEmpty());
    QCOMPARE(seen->failure, QString());
}

void tst_Coro::bagDestroyedWhileTheBodyRuns()
{
    auto bag = std::make_unique<Bag>();
    bag->put(1);
    bag->put(2);
    Gates gates;
    const QFuture<int> inBody = gates.make();
    auto seen = std::make_shared<Seen>();
    consumeSlowly(*bag, inBody, seen);
    QCOMPARE(seen->values, QVariantList { 1 });
    bag.reset();
    gates.open(0);
    QTRY_VERIFY_WITH_TIMEOUT(seen->ended, Patience);
    QCOMPARE(seen->values, QVariantList { 1 });
}

void tst_Coro::emptyBagEndsAtOnce()
{
    Bag bag;
    auto seen = std::make_shared<Seen>();
    consume(bag, seen);
    QVERIFY(seen->ended); // nothing to wait for: never suspended
    QVERIFY(seen->values.isEmpty());
}

namespace {
// Awaits `future` with AioUtils::finished() and notes how it came back.
struct Awaited
{
    bool resumed = false;
    bool canceled = false;
    QString failure;
    int loopLevel = -1;
};
QCoro::Task<> awaitFinished(QFuture<int> future, std::shared_ptr<Awaited> seen)
{
    const QFuture<int> back = co_await AioUtils::finished(future);
    seen->resumed = true;
    seen->loopLevel = QThread::currentThread()->loopLevel();
    seen->canceled = back.isCanceled();
    try {
        QFuture<int>(back).waitForFinished();
    } catch (const std::exception &e) {
        seen->failure = QString::fromUtf8(e.what());
    }
}
Abandonable abandonableAwait(QFuture<int> future, std::shared_ptr<Awaited> seen)
{
    co_await AioUtils::finished(future);
    seen->resumed = true;
}
} // namespace

void tst_Coro::finishedGivesBackACanceledFuture()
{
    Gates gates;
    QFuture<int> future = gates.make();
    auto seen = std::make_shared<Awaited>();
    awaitFinished(future, seen);
    QVERIFY(!seen->resumed);
    future.cancel();
    TestUtil::settle();
    QVERIFY(!seen->resumed); // canceled, but its work has not ended yet
    gates.open(0);           // finishes it, canceled: no result
    QTRY_VERIFY_WITH_TIMEOUT(seen->resumed, Patience);
    QVERIFY(seen->canceled);
    QCOMPARE(seen->failure, QString());
    QCOMPARE(seen->loopLevel, 0);
}

void tst_Coro::finishedGivesBackAFailedFuture()
{
    auto seen = std::make_shared<Awaited>();
    awaitFinished(TestUtil::failingAfter(5, "failed future"), seen);
    QTRY_VERIFY_WITH_TIMEOUT(seen->resumed, Patience);
    QCOMPARE(seen->failure, QStringLiteral("failed future"));
}

void tst_Coro::finishedOfAFinishedFutureDoesNotSuspend()
{
    Gates gates;
    QFuture<int> future = gates.make();
    gates.open(0, 3);
    auto seen = std::make_shared<Awaited>();
    awaitFinished(future, seen);
    QVERIFY(seen->resumed); // at once, inside the call
    QVERIFY(!seen->canceled);
}

void tst_Coro::coroutineDestroyedWhileWaitingIsNotResumed()
{
    Gates gates;
    auto seen = std::make_shared<Awaited>();
    Abandonable waiting = abandonableAwait(gates.make(), seen);
    QVERIFY(!waiting.handle.done());
    waiting.handle.destroy();
    gates.open(0, 1);
    TestUtil::settle();
    QVERIFY(!seen->resumed);
}

void tst_Coro::spawnedCoroutineIsATask()
{
    Group group;
    QFuture<int> future = group.spawn([]() -> QCoro::Task<int> {
        const int a = (co_await AioUtils::finished(TestUtil::delayed(5, 20))).result();
        const int b = (co_await AioUtils::finished(TestUtil::delayed(5, 22))).result();
        co_return a + b;
    });
    QCOMPARE(group.runningCount(), 1);
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(future.result(), 42);
    QCOMPARE(group.finishedCount(), 1);
}

void tst_Coro::coroutineFailureIsTheTasks()
{
    Group group;
    QFuture<int> future = group.spawn([]() -> QCoro::Task<int> {
        co_await AioUtils::finished(TestUtil::delayed(1));
        throw std::runtime_error("coroutine failed");
    });
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, group.join(QDeadlineTimer(Patience)));
    QCOMPARE(group.failedCount(), 1);
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, future.waitForFinished());
}

void tst_Coro::voidCoroutine()
{
    Group group;
    bool ran = false;
    group.post([&ran]() -> QCoro::Task<> {
        co_await AioUtils::finished(TestUtil::delayed(1));
        ran = true;
    });
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QVERIFY(ran);
}

void tst_Coro::poolLimitsCoroutines()
{
    Pool pool(2);
    auto running = std::make_shared<int>(0);
    auto most = std::make_shared<int>(0);
    for (int i = 0; i < 8; ++i) {
        pool.post([running, most]() -> QCoro::Task<> {
            *most = std::max(*most, ++*running);
            co_await AioUtils::finished(TestUtil::delayed(3));
            --*running;
        });
    }
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    QCOMPARE(*most, 2);
    QCOMPARE(pool.finishedCount(), 8);
}

void tst_Coro::cancelEndsTheTaskAtOnce()
{
    Group group;
    Gates gates;
    auto after = std::make_shared<bool>(false);
    QFuture<int> future = group.spawn([&gates, after]() -> QCoro::Task<int> {
        const int value = (co_await AioUtils::finished(gates.make())).result();
        *after = true;
        co_return value;
    });
    group.cancel();
    QVERIFY(future.isCanceled());
    QVERIFY(group.isIdle());
    // The coroutine itself runs on to its end when what it awaits finishes.
    gates.open(0, 1);
    QTRY_VERIFY_WITH_TIMEOUT(*after, Patience);
    QCOMPARE(future.resultCount(), 0);
}

void tst_Coro::coroutineLinksWorkInItsFirstPart()
{
    Group group;
    Gates gates;
    const QFuture<int> awaited = gates.make();
    auto linked = std::make_shared<QFuture<int>>();
    auto ended = std::make_shared<bool>(false);
    group.spawn([&gates, awaited, linked, ended]() -> QCoro::Task<int> {
        *linked = AioUtils::link(gates.make()); // before the first suspension: inside the task
        const QFuture<int> back = co_await AioUtils::finished(*linked);
        *ended = back.isCanceled();
        const QFuture<int> done = co_await AioUtils::finished(awaited);
        co_return done.result();
    });
    QVERIFY(!linked->isFinished());
    group.cancel();
    QVERIFY(linked->isCanceled());
    gates.open(1); // the linked work ends (canceled: without a result)
    QTRY_VERIFY_WITH_TIMEOUT(*ended, Patience);
    gates.open(0, 1); // the coroutine runs on to its end
}

void tst_Coro::bagCollectsCoroutineResults()
{
    Bag bag(3);
    for (int i = 0; i < 10; ++i) {
        bag.post([i]() -> QCoro::Task<int> {
            co_await AioUtils::finished(TestUtil::delayed(i % 3));
            const int square = i * i;
            co_return square;
        });
    }
    auto seen = std::make_shared<Seen>();
    consume(bag, seen);
    QTRY_VERIFY_WITH_TIMEOUT(seen->ended, Patience);
    QList<int> squares;
    for (int i = 0; i < 10; ++i)
        squares << i * i;
    QCOMPARE(TestUtil::sortedInts(seen->values), squares);
}

QTEST_GUILESS_MAIN(tst_Coro)
#include "tst_coro.moc"
