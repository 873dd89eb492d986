// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Bag::nextResult() and Group::slotAvailable(): futures that wait without a nested event loop,
// served in call order, settled by the round's end and by the group's destruction.

#include <AioUtils/Bag>
#include <AioUtils/Group>
#include <AioUtils/OrderedBag>
#include <AioUtils/Pool>

#include "gate.h"
#include "testutil.h"

#include <QtCore/qfuturewatcher.h>
#include <QtCore/qpointer.h>
#include <QtCore/qthread.h>
#include <QtTest/qtest.h>

#include <memory>
#include <stdexcept>
#include <thread>

using AioUtils::Bag;
using AioUtils::Group;
using AioUtils::OrderedBag;
using AioUtils::Pool;
using TestUtil::Gates;
using TestUtil::Patience;

namespace {
// The message of the failure `future` finished with; empty if it finished otherwise.
QString failureOf(QFuture<QVariant> future)
{
    try {
        future.waitForFinished();
    } catch (const std::exception &e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

bool succeeded(const QFuture<QVariant> &future)
{
    return future.isFinished() && !future.isCanceled() && future.resultCount() == 1;
}

// Who ran a continuation: how many QEventLoop::exec() were running on this thread then. The test
// spins events with processEvents() (QTRY_*), which counts none.
struct Seen
{
    QVariantList values;
    QList<int> loopLevels;
    int canceled = 0;
};

// Takes results one after the other through nextResult(), each continuation asking for the next,
// until the round ends: the non-blocking consumer loop.
void consumeAll(Bag *bag, QObject *context, std::shared_ptr<Seen> seen)
{
    bag->nextResult()
            .then(context,
                  [bag, context, seen](const QVariant &value) {
                      seen->values << value;
                      seen->loopLevels << QThread::currentThread()->loopLevel();
                      consumeAll(bag, context, seen);
                  })
            .onCanceled(context, [seen] { ++seen->canceled; });
}
} // namespace

class tst_NonBlocking : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void retainedResultIsReadyAtOnce();
    void pendingFuturesAreServedInCallOrder();
    void orderedBagServesInSpawnOrder();
    void roundEndCancelsWhatIsLeft();
    void idleEmptyBagIsCanceledAtOnce();
    void failureComesOnceAfterTheLastResult();
    void failureOfAnEndedRound();
    void joinTakesTheFailureFirst();
    void canceledFutureGivesUpItsTurn();
    void consumerDestroyedWhilePending();
    void bagDestroyedWhilePending();
    void consumerLoopRunsNoNestedLoop();
    void consumerLoopDrivesBackpressure();
    void nextResultAfterNextWaitersGetTheRest();
    void nextResultFromAnotherThreadWarns();
    void waitInsideTheTakeDoesNotLoseTheResult();
    void waiterCanceledDuringTheTakeGivesItBack_data();
    void waiterCanceledDuringTheTakeGivesItBack();
    void failureIsNotGivenTwiceWhenANewRoundBegins();

    void slotAvailableAtOnceWithoutLimit();
    void slotAvailableWhenASlotFrees();
    void slotAvailableWaitsBehindQueuedTasks();
    void slotAvailableWhenResumed();
    void slotAvailableWhenLimitRaised();
    void slotAvailableWhenBufferHasRoom();
    void slotAvailableFinishesEveryWaiter();
    void groupDestroyedCancelsSlotWaiters();
    void slotAvailableFromAnotherThreadWarns();
};

void tst_NonBlocking::retainedResultIsReadyAtOnce()
{
    Bag bag;
    bag.put(7);
    QFuture<QVariant> future = bag.nextResult();
    QVERIFY(succeeded(future));
    QCOMPARE(future.result().toInt(), 7);
    QCOMPARE(bag.bufferedCount(), 0);
}

void tst_NonBlocking::pendingFuturesAreServedInCallOrder()
{
    Bag bag;
    Gates gates;
    for (int i = 0; i < 3; ++i)
        bag.spawn(gates.make());
    QList<QFuture<QVariant>> futures;
    for (int i = 0; i < 3; ++i)
        futures << bag.nextResult();
    for (const QFuture<QVariant> &future : std::as_const(futures))
        QVERIFY(!future.isFinished());
    // Completion order 2, 0, 1: the first caller gets the first result to complete.
    gates.open(2, 20);
    QTRY_VERIFY_WITH_TIMEOUT(futures[0].isFinished(), Patience);
    QCOMPARE(futures[0].result().toInt(), 20);
    QVERIFY(!futures[1].isFinished());
    gates.open(0, 0);
    gates.open(1, 10);
    QTRY_VERIFY_WITH_TIMEOUT(futures[2].isFinished(), Patience);
    QCOMPARE(futures[1].result().toInt(), 0);
    QCOMPARE(futures[2].result().toInt(), 10);
    QVERIFY(bag.join());
}

void tst_NonBlocking::orderedBagServesInSpawnOrder()
{
    OrderedBag bag;
    Gates gates;
    QList<QFuture<QVariant>> futures;
    for (int i = 0; i < 4; ++i) {
        bag.spawn(gates.make());
        futures << bag.nextResult();
    }
    for (int i : { 3, 1, 2 })
        gates.open(i, i);
    TestUtil::settle();
    for (const QFuture<QVariant> &future : std::as_const(futures))
        QVERIFY(!future.isFinished()); // place 0 holds them all back
    gates.open(0, 0);
    QTRY_VERIFY_WITH_TIMEOUT(futures[3].isFinished(), Patience);
    for (int i = 0; i < 4; ++i)
        QCOMPARE(futures[i].result().toInt(), i);
}

void tst_NonBlocking::roundEndCancelsWhatIsLeft()
{
    Bag bag;
    Gates gates;
    bag.spawn(gates.make());
    const QFuture<QVariant> first = bag.nextResult();
    const QFuture<QVariant> second = bag.nextResult();
    const QFuture<QVariant> third = bag.nextResult();
    gates.open(0, 5);
    QTRY_VERIFY_WITH_TIMEOUT(third.isFinished(), Patience);
    QCOMPARE(first.result().toInt(), 5);
    QVERIFY(second.isCanceled());
    QVERIFY(third.isCanceled());
    QCOMPARE(second.resultCount(), 0);
}

void tst_NonBlocking::idleEmptyBagIsCanceledAtOnce()
{
    Bag bag;
    const QFuture<QVariant> future = bag.nextResult();
    QVERIFY(future.isFinished());
    QVERIFY(future.isCanceled());
}

void tst_NonBlocking::failureComesOnceAfterTheLastResult()
{
    Bag bag;
    Gates gates;
    bag.spawn(gates.make());
    bag.spawn(TestUtil::failingAfter(0, "broken"));
    QList<QFuture<QVariant>> futures;
    for (int i = 0; i < 3; ++i)
        futures << bag.nextResult();
    QTRY_COMPARE_WITH_TIMEOUT(bag.failedCount(), 1, Patience);
    QVERIFY(!futures[0].isFinished()); // the failure waits for the last result
    gates.open(0, 1);
    QTRY_VERIFY_WITH_TIMEOUT(futures[2].isFinished(), Patience);
    QCOMPARE(futures[0].result().toInt(), 1);
    QCOMPARE(failureOf(futures[1]), QStringLiteral("broken"));
    QVERIFY(futures[2].isCanceled());
    QCOMPARE(failureOf(futures[2]), QString());
    // Taken once: the record is cleared, join() has nothing to rethrow.
    QVERIFY(!bag.firstFailure());
    QVERIFY(bag.failures().isEmpty());
    QVERIFY(bag.join());
}

void tst_NonBlocking::failureOfAnEndedRound()
{
    Bag bag;
    bag.spawn(TestUtil::failingAfter(0, "late"));
    QTRY_VERIFY_WITH_TIMEOUT(bag.isIdle(), Patience);
    const QFuture<QVariant> failed = bag.nextResult();
    QVERIFY(failed.isFinished());
    QCOMPARE(failureOf(failed), QStringLiteral("late"));
    const QFuture<QVariant> after = bag.nextResult();
    QVERIFY(after.isFinished());
    QVERIFY(after.isCanceled());
    QCOMPARE(failureOf(after), QString());
}

void tst_NonBlocking::joinTakesTheFailureFirst()
{
    Bag bag;
    bag.spawn(TestUtil::failingAfter(0, "joined"));
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, bag.join());
    const QFuture<QVariant> future = bag.nextResult();
    QVERIFY(future.isCanceled());
    QCOMPARE(failureOf(future), QString());
}

void tst_NonBlocking::canceledFutureGivesUpItsTurn()
{
    Bag bag;
    Gates gates;
    bag.spawn(gates.make());
    bag.spawn(gates.make());
    QFuture<QVariant> gaveUp = bag.nextResult();
    const QFuture<QVariant> next = bag.nextResult();
    gaveUp.cancel();
    gates.open(0, 1);
    QTRY_VERIFY_WITH_TIMEOUT(next.isFinished(), Patience);
    QCOMPARE(next.result().toInt(), 1);
    QCOMPARE(gaveUp.resultCount(), 0);
    gates.open(1, 2);
    QTRY_VERIFY_WITH_TIMEOUT(bag.isIdle(), Patience);
    QCOMPARE(bag.takeAll(), QVariantList { 2 });
}

// A consumer whose results go to a widget, watching its request with a QFutureWatcher it owns
// (on Qt 6.4, a .then(context, ...) must not outlive its context). Destroyed while the request
// is pending, it cancels it, and the result goes to the next consumer.
class Consumer : public QObject
{
public:
    explicit Consumer(Bag *bag)
    {
        connect(&m_watcher, &QFutureWatcher<QVariant>::finished, this,
                [this] { m_value = m_watcher.result(); });
        m_watcher.setFuture(bag->nextResult());
    }
    ~Consumer() override { m_watcher.cancel(); }

private:
    QFutureWatcher<QVariant> m_watcher;
    QVariant m_value;
};

void tst_NonBlocking::consumerDestroyedWhilePending()
{
    Bag bag;
    Gates gates;
    bag.spawn(gates.make());
    auto consumer = std::make_unique<Consumer>(&bag);
    const QFuture<QVariant> next = bag.nextResult();
    consumer.reset();
    gates.open(0, 42);
    QTRY_VERIFY_WITH_TIMEOUT(next.isFinished(), Patience);
    QCOMPARE(next.result().toInt(), 42);
}

void tst_NonBlocking::bagDestroyedWhilePending()
{
    auto bag = std::make_unique<Bag>();
    Gates gates;
    bag->spawn(gates.make());
    const QPointer<Bag> watched(bag.get());
    bool bagGoneWhenCanceled = false;
    QObject context;
    const QFuture<QVariant> future = bag->nextResult();
    QFuture<QVariant>(future).onCanceled(&context, [&] {
        bagGoneWhenCanceled = watched.isNull();
        return QVariant();
    });
    bag.reset();
    QTRY_VERIFY_WITH_TIMEOUT(future.isFinished(), Patience);
    QVERIFY(future.isCanceled());
    QTRY_VERIFY_WITH_TIMEOUT(bagGoneWhenCanceled, Patience);
}

void tst_NonBlocking::consumerLoopRunsNoNestedLoop()
{
    Bag bag;
    QObject context;
    auto seen = std::make_shared<Seen>();
    for (int i = 0; i < 20; ++i)
        bag.spawn([i] { return i; });
    consumeAll(&bag, &context, seen);
    QTRY_COMPARE_WITH_TIMEOUT(seen->canceled, 1, Patience);
    QCOMPARE(TestUtil::sortedInts(seen->values), TestUtil::range(20));
    for (int level : std::as_const(seen->loopLevels))
        QCOMPARE(level, 0);
}

void tst_NonBlocking::consumerLoopDrivesBackpressure()
{
    // Taking through nextResult() makes room in the buffer as next() does: queued tasks start.
    OrderedBag bag;
    bag.setBufferLimit(2);
    QObject context;
    auto seen = std::make_shared<Seen>();
    for (int i = 0; i < 30; ++i)
        bag.spawn([i] { return TestUtil::delayed(i % 3, i); });
    QVERIFY(bag.queuedCount() > 0);
    consumeAll(&bag, &context, seen);
    QTRY_COMPARE_WITH_TIMEOUT(seen->canceled, 1, Patience);
    QList<int> values;
    for (const QVariant &value : std::as_const(seen->values))
        values << value.toInt();
    QCOMPARE(values, TestUtil::range(30));
}

void tst_NonBlocking::nextResultAfterNextWaitersGetTheRest()
{
    Bag bag;
    Gates gates;
    bag.spawn(gates.make());
    const QFuture<QVariant> pending = bag.nextResult();
    bag.put(1);
    bag.put(2);
    // next() delivers both and takes the first; the waiting future gets the second.
    const std::optional<QVariant> taken = bag.next();
    QVERIFY(taken);
    QTRY_VERIFY_WITH_TIMEOUT(pending.isFinished(), Patience);
    QCOMPARE(QVariantList({ *taken, pending.result() }), QVariantList({ 1, 2 }));
    gates.open(0);
}

void tst_NonBlocking::nextResultFromAnotherThreadWarns()
{
    Bag bag;
    bag.put(1);
    QTest::ignoreMessage(QtWarningMsg,
                         "AioUtils::Bag::nextResult: called from another thread than the bag's; "
                         "returning a canceled future");
    QFuture<QVariant> future;
    std::thread([&] { future = bag.nextResult(); }).join();
    QVERIFY(future.isCanceled());
    QCOMPARE(bag.bufferedCount(), 1);
}

void tst_NonBlocking::waitInsideTheTakeDoesNotLoseTheResult()
{
    // Taking the last result for a waiter tells bufferedCountChanged; a slot there that waits
    // (join(): a nested loop, whose drain sees the round end) must not settle that waiter.
    Bag bag;
    Gates gates;
    bag.spawn(gates.make());
    const QFuture<QVariant> waiting = bag.nextResult();
    bool joined = false;
    connect(&bag, &Bag::bufferedCountChanged, &bag, [&] {
        if (!joined && bag.bufferedCount() == 0 && bag.finishedCount() == 1) {
            joined = true;
            QVERIFY(bag.join(QDeadlineTimer(Patience)));
        }
    });
    gates.open(0, 5);
    QTRY_VERIFY_WITH_TIMEOUT(waiting.isFinished(), Patience);
    QVERIFY(joined);
    QVERIFY(!waiting.isCanceled());
    QCOMPARE(waiting.result().toInt(), 5);
}

void tst_NonBlocking::waiterCanceledDuringTheTakeGivesItBack_data()
{
    // With a model(), whose views are told before a row goes and when it comes back.
    QTest::addColumn<bool>("withModel");
    QTest::newRow("plain") << false;
    QTest::newRow("model") << true;
}

void tst_NonBlocking::waiterCanceledDuringTheTakeGivesItBack()
{
    QFETCH(bool, withModel);
    Bag bag;
    if (withModel)
        QCOMPARE(bag.model()->rowCount(), 0);
    Gates gates;
    bag.spawn(gates.make());
    QFuture<QVariant> waiting = bag.nextResult();
    connect(&bag, &Bag::bufferedCountChanged, &bag, [&] {
        if (bag.bufferedCount() == 0 && !waiting.isCanceled())
            waiting.cancel(); // the waiter gives up while its result is being taken
    });
    gates.open(0, 8);
    QTRY_VERIFY_WITH_TIMEOUT(bag.isIdle(), Patience);
    TestUtil::settle();
    QCOMPARE(waiting.resultCount(), 0);
    QCOMPARE(bag.bufferedCount(), 1);
    if (withModel)
        QCOMPARE(bag.model()->rowCount(), 1);
    QCOMPARE(bag.takeAll(), QVariantList { 8 });
}

void tst_NonBlocking::failureIsNotGivenTwiceWhenANewRoundBegins()
{
    // A slot of finished() takes the failure with join() and begins the next round before the
    // drain settles the waiting future: the future must not get the failure a second time.
    Bag bag;
    Gates gates;
    bag.spawn(TestUtil::failingAfter(5, "once"));
    const QFuture<QVariant> waiting = bag.nextResult();
    int rethrown = 0;
    bool respawned = false;
    connect(&bag, &Group::finished, &bag, [&] {
        if (respawned)
            return;
        respawned = true;
        try {
            bag.join();
        } catch (const std::runtime_error &) {
            ++rethrown;
        }
        bag.spawn(gates.make());
    });
    QTRY_VERIFY_WITH_TIMEOUT(waiting.isFinished(), Patience);
    QCOMPARE(rethrown, 1);
    QCOMPARE(failureOf(waiting), QString());
    QVERIFY(waiting.isCanceled());
    gates.open(0, 1);
    QTRY_VERIFY_WITH_TIMEOUT(bag.isIdle(), Patience);
}

void tst_NonBlocking::slotAvailableAtOnceWithoutLimit()
{
    Group group;
    Gates gates;
    for (int i = 0; i < 5; ++i)
        group.spawn(gates.make());
    const QFuture<void> free = group.slotAvailable();
    QVERIFY(free.isFinished());
    QVERIFY(!free.isCanceled());
}

void tst_NonBlocking::slotAvailableWhenASlotFrees()
{
    Pool pool(1);
    Gates gates;
    QVERIFY(pool.slotAvailable().isFinished());
    pool.spawn([&] { return gates.make(); });
    const QFuture<void> free = pool.slotAvailable();
    QVERIFY(!free.isFinished());
    int level = -1;
    QObject context;
    QFuture<void>(free).then(&context, [&] { level = QThread::currentThread()->loopLevel(); });
    gates.open(0);
    QTRY_VERIFY_WITH_TIMEOUT(free.isFinished(), Patience);
    QVERIFY(!free.isCanceled());
    QTRY_COMPARE_WITH_TIMEOUT(level, 0, Patience);
}

void tst_NonBlocking::slotAvailableWaitsBehindQueuedTasks()
{
    Pool pool(1);
    Gates gates;
    pool.spawn([&] { return gates.make(); });
    pool.spawn([&] { return gates.make(); });
    const QFuture<void> free = pool.slotAvailable();
    gates.open(0); // the queued task takes the slot
    QTRY_COMPARE_WITH_TIMEOUT(pool.queuedCount(), 0, Patience);
    TestUtil::settle();
    QVERIFY(!free.isFinished());
    gates.open(1);
    QTRY_VERIFY_WITH_TIMEOUT(free.isFinished(), Patience);
}

void tst_NonBlocking::slotAvailableWhenResumed()
{
    Group group;
    group.setPaused(true);
    const QFuture<void> free = group.slotAvailable();
    TestUtil::settle();
    QVERIFY(!free.isFinished());
    group.setPaused(false);
    QTRY_VERIFY_WITH_TIMEOUT(free.isFinished(), Patience);
    QVERIFY(!free.isCanceled());
}

void tst_NonBlocking::slotAvailableWhenLimitRaised()
{
    Group group;
    group.setMaxConcurrency(1);
    Gates gates;
    group.spawn(gates.make());
    group.spawn([&] { return gates.make(); }); // adopted futures run at once; this one queues
    const QFuture<void> free = group.slotAvailable();
    group.setMaxConcurrency(3);
    QTRY_VERIFY_WITH_TIMEOUT(free.isFinished(), Patience);
    QCOMPARE(group.runningCount(), 2);
    gates.open(0);
    gates.open(1);
}

void tst_NonBlocking::slotAvailableWhenBufferHasRoom()
{
    Bag bag;
    bag.setBufferLimit(1);
    bag.put(1);
    const QFuture<void> free = bag.slotAvailable();
    TestUtil::settle();
    QVERIFY(!free.isFinished());
    QCOMPARE(bag.nextResult().result().toInt(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(free.isFinished(), Patience);
}

void tst_NonBlocking::slotAvailableFinishesEveryWaiter()
{
    Pool pool(1);
    Gates gates;
    pool.spawn([&] { return gates.make(); });
    QList<QFuture<void>> waiting;
    for (int i = 0; i < 3; ++i)
        waiting << pool.slotAvailable();
    QFuture<void> gaveUp = pool.slotAvailable();
    gaveUp.cancel();
    gates.open(0);
    for (const QFuture<void> &free : std::as_const(waiting))
        QTRY_VERIFY_WITH_TIMEOUT(free.isFinished() && !free.isCanceled(), Patience);
}

void tst_NonBlocking::groupDestroyedCancelsSlotWaiters()
{
    auto pool = std::make_unique<Pool>(1);
    Gates gates;
    pool->spawn([&] { return gates.make(); });
    const QFuture<void> free = pool->slotAvailable();
    pool.reset();
    QTRY_VERIFY_WITH_TIMEOUT(free.isFinished(), Patience);
    QVERIFY(free.isCanceled());
}

void tst_NonBlocking::slotAvailableFromAnotherThreadWarns()
{
    Pool pool(1);
    QTest::ignoreMessage(QtWarningMsg,
                         "AioUtils::Group::slotAvailable: called from another thread than the "
                         "group's; returning a canceled future");
    QFuture<void> future;
    std::thread([&] { future = pool.slotAvailable(); }).join();
    QVERIFY(future.isCanceled());
}

QTEST_GUILESS_MAIN(tst_NonBlocking)
#include "tst_nonblocking.moc"
