// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include <AioUtils/OrderedBag>

#include "readyfuture.h"
#include "testutil.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qelapsedtimer.h>
#include <QtCore/qmutex.h>
#include <QtCore/qpointer.h>
#include <QtCore/qrandom.h>
#include <QtCore/qthread.h>
#include <QtCore/qthreadpool.h>
#include <QtCore/qtimer.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <vector>

using AioUtils::Bag;
using AioUtils::Group;
using AioUtils::OrderedBag;
using TestUtil::delayed;

namespace {

// How a test's tasks are made.
enum class Kind {
    Lazy,       // a callable returning QFuture<T>: called on the bag's thread when a slot is free
    Adopted,    // a running future handed to spawn()
    ThreadPool, // a callable returning T, on a thread pool of the test's own
};

// A future that ends canceled after `ms` milliseconds: a task that gives up.
QFuture<int> canceledAfter(int ms)
{
    auto promise = std::make_shared<QPromise<int>>();
    promise->start();
    auto *timer = TestUtil::timerOnThisThread(ms);
    QObject::connect(timer, &QTimer::timeout, timer, [timer, promise] {
        promise->future().cancel();
        promise->finish();
        timer->deleteLater();
    });
    timer->start();
    return promise->future();
}

QString joined(OrderedBag &bag)
{
    QString all;
    for (const QVariant &v : bag.yielding())
        all += v.toString();
    return all;
}

} // namespace

Q_DECLARE_METATYPE(Kind)

class tst_OrderedBag : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void spawnOrderDespiteReverseCompletion_data();
    void spawnOrderDespiteReverseCompletion();
    void putBetweenSpawns();
    void putFromTaskTakesPlaceAtCallTime();
    void twoLevelSpawning_data();
    void twoLevelSpawning();
    void gapsDoNotStall();
    void canceledWhileQueuedDoesNotStall();
    void cancelOnFailure();
    void manyShuffled_data();
    void manyShuffled();
    void slowHeadHoldsTheWindow();
    void resultReadyInOrderWhenSlotTakes();
    void slotConnectedHalfwayHearsTheRest_data();
    void slotConnectedHalfwayHearsTheRest();
    void breakCancelsAndNextRoundWorks();
    void resultsInBeforeBreakAreKept();
    void negativePoolSizeWarns();
    void bufferLimitDoesNotStallBehindQueuedPlace();
    void bufferLimitHoldsWithoutConsumer();
    void bufferLimitStartsPlaceMadeNextByEmptyPlace();
    void bufferLimitExemptionOnlyWhenNothingToTake();
};

void tst_OrderedBag::init()
{
    QThreadPool::globalInstance()->waitForDone();
}

void tst_OrderedBag::spawnOrderDespiteReverseCompletion_data()
{
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<int>("poolSize");
    QTest::newRow("lazy futures") << Kind::Lazy << 0;
    QTest::newRow("adopted futures") << Kind::Adopted << 0;
    QTest::newRow("thread pool") << Kind::ThreadPool << 0;
    QTest::newRow("lazy futures, OrderedBag(3)") << Kind::Lazy << 3;
    QTest::newRow("thread pool, OrderedBag(3)") << Kind::ThreadPool << 3;
}

// Python test_ordered_yielder: results come out in spawn order, though task i takes (N - i) * 10
// ms, so that they complete in reverse. resultReady follows the same order.
void tst_OrderedBag::spawnOrderDespiteReverseCompletion()
{
    QFETCH(Kind, kind);
    QFETCH(int, poolSize);
    constexpr int N = 8;
    QMutex mutex;
    QList<int> completed;
    const auto complete = [&mutex, &completed](int i) {
        QMutexLocker lock(&mutex);
        completed << i;
        return i;
    };
    // After what its work touches: destroyed first, it waits for the work.
    QThreadPool threads;
    threads.setMaxThreadCount(N);

    OrderedBag bag(poolSize);
    QSignalSpy ready(&bag, &Bag::resultReady);
    for (int i = 0; i < N; ++i) {
        const int ms = (N - i) * 10;
        const auto task = [complete, ms, i] {
            return delayed(ms, i).then(QtFuture::Launch::Sync, complete);
        };
        switch (kind) {
        case Kind::Lazy:
            bag.spawn(task);
            break;
        case Kind::Adopted:
            bag.spawn(task());
            break;
        case Kind::ThreadPool:
            bag.spawn(&threads, [complete, ms, i] {
                QThread::msleep(ms); // the work itself, on a thread of its own
                return complete(i);
            });
            break;
        }
    }
    QList<int> got;
    for (const QVariant &v : bag.yielding())
        got << v.toInt();
    QCOMPARE(got, TestUtil::range(N));
    QList<int> emitted;
    for (const QList<QVariant> &args : std::as_const(ready))
        emitted << args.at(0).toInt();
    QCOMPARE(emitted, TestUtil::range(N));
    // The order really was shuffled on the way.
    QMutexLocker lock(&mutex);
    QCOMPARE(completed.size(), N);
    QVERIFY(completed != TestUtil::range(N));
}

// Python test_ordered_yielder (later version): put() takes the next place when it is called, here
// between the spawns of c and d.
void tst_OrderedBag::putBetweenSpawns()
{
    OrderedBag bag;
    const QString chars = QStringLiteral("abcdefg");
    for (int i = 0; i < 3; ++i)
        bag.spawn([i, c = chars.at(i)] { return delayed((3 - i) * 10, QString(c)); });
    bag.put(QStringLiteral("z"));
    for (int i = 3; i < 7; ++i)
        bag.spawn([i, c = chars.at(i)] { return delayed((7 - i) * 10, QString(c)); });
    QCOMPARE(joined(bag), QStringLiteral("abczdefg"));
}

// Python's old OrderedBag test had tasks put() their results and expected spawn order (a put()
// took its task's place). Here put() takes the next place at the moment it is called (README),
// whoever calls it: a put() from inside a task lands after everything spawned before it.
//   place 0: A (void, puts "a" at 40 ms)   place 1: B (void, puts "b" at 10 ms)
//   place 2: C, "c" at 20 ms               place 3: "b" (put at 10 ms)   place 4: "a" (40 ms)
void tst_OrderedBag::putFromTaskTakesPlaceAtCallTime()
{
    OrderedBag bag;
    QPointer<OrderedBag> alive(&bag);
    const auto putter = [alive](int ms, const QString &s) {
        return delayed(ms).then(QtFuture::Launch::Sync, [alive, s] {
            if (alive)
                alive->put(s);
        });
    };
    bag.spawn(putter, 40, QStringLiteral("a"));
    bag.spawn(putter, 10, QStringLiteral("b"));
    bag.spawn([] { return delayed(20, QStringLiteral("c")); });
    QCOMPARE(joined(bag), QStringLiteral("cba"));
}

void tst_OrderedBag::twoLevelSpawning_data()
{
    QTest::addColumn<int>("firstWait");  // ms before g(3) spawns its children; -1: at once
    QTest::addColumn<int>("secondWait"); // the same for g(4)
    QTest::addColumn<QString>("expected");
    QTest::newRow("children spawned while the outer task is called")
            << -1 << -1 << QStringLiteral("abcabcd");
    QTest::newRow("children spawned after a wait, g(3) first")
            << 10 << 50 << QStringLiteral("abcabcd");
    QTest::newRow("children spawned after a wait, g(4) first")
            << 50 << 10 << QStringLiteral("abcdabc");
}

// Python test_two_level_ordered_yielding: outer tasks g(3) and g(4) spawn children giving the
// first 3 and 4 letters; "abcabcd". How the places are taken: every spawn takes the next place at
// the moment it is made, children included; a void task's place gives no result.
//   place 0: g(3)  place 1: g(4)    (in Python, both spawned before either runs)
//   g(3) runs first and spawns a, b, c: places 2, 3, 4
//   g(4) runs next and spawns a, b, c, d: places 5, 6, 7, 8          -> "abc" + "abcd"
// Here a future-returning task is called inside spawn() when a slot is free, so without a wait
// g(3)'s children take places 1-3 and g(4) place 4; the order is the same. The children finish in
// reverse, and the result does not depend on it. If g(4) spawns first, its children come first.
void tst_OrderedBag::twoLevelSpawning()
{
    QFETCH(int, firstWait);
    QFETCH(int, secondWait);
    QFETCH(QString, expected);
    const QString chars = QStringLiteral("abcdefg");
    OrderedBag bag;
    QPointer<OrderedBag> alive(&bag);
    const auto spawnChildren = [alive, chars](int count) {
        for (int j = 0; j < count && alive; ++j) {
            const QString c(chars.at(j));
            alive->spawn([c, j] { return delayed((5 - j) * 10, c); });
        }
    };
    const auto g = [spawnChildren](int count, int wait) {
        if (wait < 0) {
            spawnChildren(count);
            return TestUtil::readyFuture();
        }
        return delayed(wait).then(QtFuture::Launch::Sync,
                                  [spawnChildren, count] { spawnChildren(count); });
    };
    bag.spawn(g, 3, firstWait);
    bag.spawn(g, 4, secondWait);
    QCOMPARE(joined(bag), expected);
    QCOMPARE(bag.spawnedCount(), 9);
    QCOMPARE(bag.finishedCount(), 9);
}

// A failed, void or canceled task gives up its place without stalling the ones after it, though
// they end long before it; the failure is rethrown after the last result.
void tst_OrderedBag::gapsDoNotStall()
{
    OrderedBag bag;
    QSignalSpy failed(&bag, &Group::taskFailed);
    bag.spawn([] { return delayed(5, 1); });
    bag.spawn([] { return delayed(40); }); // void
    bag.spawn([] { return TestUtil::failingAfter(30, "third failed"); });
    bag.spawn([] { return delayed(1, 4); });
    bag.spawn([] { return delayed(1, 5); });
    bag.spawn([] { return canceledAfter(50); }); // canceled by its own work
    bag.spawn(QFuture<int>());                   // an invalid future: a canceled task
    bag.spawn([] {});                            // void thread-pool work
    bag.spawn([] { return delayed(1, 9); });

    QElapsedTimer clock;
    clock.start();
    QList<int> got;
    QString message;
    try {
        for (;;) {
            const std::optional<QVariant> v = bag.next(QDeadlineTimer(10000));
            if (!v)
                break;
            got << v->toInt();
        }
    } catch (const std::runtime_error &e) {
        message = QString::fromUtf8(e.what());
    }
    QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(got, QList<int>({ 1, 4, 5, 9 }));
    QCOMPARE(message, QStringLiteral("third failed"));
    QVERIFY(bag.isIdle());
    QCOMPARE(bag.failedCount(), 1);
    QCOMPARE(failed.count(), 1);
    QCOMPARE(bag.finishedCount(), 9);
}

// A queued task its caller canceled never starts, and its place does not hold up the others.
void tst_OrderedBag::canceledWhileQueuedDoesNotStall()
{
    OrderedBag bag(1);
    bag.spawn([] { return delayed(10, 1); });
    QFuture<int> second = bag.spawn([] { return delayed(10, 2); });
    bag.spawn([] { return delayed(10, 3); });
    QCOMPARE(bag.queuedCount(), 2);
    second.cancel();
    QList<int> got;
    for (const QVariant &v : bag.yielding())
        got << v.toInt();
    QCOMPARE(got, QList<int>({ 1, 3 }));
    QCOMPARE(bag.finishedCount(), 3);
}

// CancelOnFailure: the first failure cancels the rest; what ended before it still comes out, in
// order, and the failure after it. The canceled 60 s task is not waited for.
void tst_OrderedBag::cancelOnFailure()
{
    OrderedBag bag;
    bag.setFailurePolicy(Group::CancelOnFailure);
    bag.spawn([] { return delayed(5, 1); });
    bag.spawn([] { return TestUtil::failingAfter(30, "second failed"); });
    const QFuture<int> slow = bag.spawn([] { return delayed(60000, 3); });
    bag.spawn([] { return delayed(5, 4); });
    QElapsedTimer clock;
    clock.start();
    QList<int> got;
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, {
        for (const QVariant &v : bag.yielding())
            got << v.toInt();
    });
    QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(got, QList<int>({ 1, 4 }));
    QVERIFY(slow.isCanceled());
    QVERIFY(bag.isIdle());
}

void tst_OrderedBag::manyShuffled_data()
{
    QTest::addColumn<Kind>("kind");
    QTest::newRow("thread pool, 8 threads, 0-2 ms of work") << Kind::ThreadPool;
    QTest::newRow("delayed futures, shuffled 0-50 ms") << Kind::Lazy;
}

// 2,000 results with shuffled completion times come out exactly in spawn order.
void tst_OrderedBag::manyShuffled()
{
    QFETCH(Kind, kind);
    constexpr int N = 2000;
    QThreadPool threads;
    threads.setMaxThreadCount(8);
    // Microseconds of work, or milliseconds of delay, spread evenly and shuffled.
    const int spread = kind == Kind::ThreadPool ? 2000 : 50;
    std::vector<int> delays(N);
    for (int i = 0; i < N; ++i)
        delays[std::size_t(i)] = i * (spread + 1) / N;
    std::mt19937 random(QRandomGenerator::global()->generate());
    std::shuffle(delays.begin(), delays.end(), random);

    OrderedBag bag;
    QSignalSpy ready(&bag, &Bag::resultReady);
    for (int i = 0; i < N; ++i) {
        const int delay = delays[std::size_t(i)];
        if (kind == Kind::ThreadPool) {
            bag.spawn(&threads, [i, delay] {
                QThread::usleep(delay); // the work itself
                return i;
            });
        } else {
            bag.spawn([i, delay] { return delayed(delay, i); });
        }
    }
    QList<int> got;
    got.reserve(N);
    for (const QVariant &v : bag.yielding())
        got << v.toInt();
    QCOMPARE(got.size(), N);
    QCOMPARE(got, TestUtil::range(N));
    QCOMPARE(ready.count(), N);
    QCOMPARE(bag.bufferedCount(), 0);
}

// The window: with no bufferLimit, a slow task 0 holds every later result in the sequence buffer
// (memory grows with the out-of-order window, here the whole round). Nothing is delivered, to
// the signal or the model, before task 0 ends; then all 200 in order.
void tst_OrderedBag::slowHeadHoldsTheWindow()
{
    constexpr int N = 200;
    OrderedBag bag;
    QAbstractItemModel *model = bag.model();
    QSignalSpy ready(&bag, &Bag::resultReady);
    // Task 0 ends when the test says, not after a guessed delay.
    QPromise<int> head;
    head.start();
    bag.spawn([f = head.future()] { return f; });
    for (int i = 1; i < N; ++i)
        bag.spawn([i] { return delayed(1 + i % 5, i); });

    QTRY_COMPARE(bag.finishedCount(), N - 1);
    QVERIFY(!bag.next(QDeadlineTimer(20)));
    QCOMPARE(ready.count(), 0);
    QCOMPARE(model->rowCount(), 0);
    QCOMPARE(bag.bufferedCount(), N - 1); // undelivered, waiting for place 0

    head.addResult(0);
    head.finish();
    QTRY_COMPARE(model->rowCount(), N);
    for (int i = 0; i < N; ++i)
        QCOMPARE(model->data(model->index(i, 0), Qt::DisplayRole).toInt(), i);
    QList<int> emitted;
    for (const QList<QVariant> &args : std::as_const(ready))
        emitted << args.at(0).toInt();
    QCOMPARE(emitted, TestUtil::range(N));
    QList<int> got;
    for (const QVariant &v : bag.yielding())
        got << v.toInt();
    QCOMPARE(got, TestUtil::range(N));
}

// A slot on resultReady that takes results (which delivers what has arrived meanwhile) does not
// make later results overtake the ones still to be emitted: the signal keeps spawn order.
void tst_OrderedBag::resultReadyInOrderWhenSlotTakes()
{
    OrderedBag bag;
    QStringList emitted;
    QStringList taken;
    connect(&bag, &Bag::resultReady, this, [&](const QVariant &v) {
        emitted << v.toString();
        if (v.toString() == QStringLiteral("a")) {
            bag.put(QStringLiteral("x")); // deliverable at once, after a, b, c
            const QVariantList all = bag.takeAll();
            for (const QVariant &t : all)
                taken << t.toString();
        }
    });
    // Finished already: all three are delivered in one go, a first.
    bag.spawn(TestUtil::readyFuture(QStringLiteral("a")));
    bag.spawn(TestUtil::readyFuture(QStringLiteral("b")));
    bag.spawn(TestUtil::readyFuture(QStringLiteral("c")));
    QVERIFY(bag.join(QDeadlineTimer(5000)));
    const QVariantList rest = bag.takeAll();
    for (const QVariant &t : rest)
        taken << t.toString();
    QCOMPARE(emitted.join(QString()), QStringLiteral("abcx"));
    QCOMPARE(taken.join(QString()), QStringLiteral("abcx"));
}

// Leaving the loop early cancels the rest and leaves the bag idle; the next round starts clean.
void tst_OrderedBag::breakCancelsAndNextRoundWorks()
{
    OrderedBag bag;
    QList<QFuture<int>> futures;
    futures << bag.spawn([] { return delayed(10, 0); });
    for (int i = 1; i < 5; ++i)
        futures << bag.spawn([i] { return delayed(60000, i); });
    QElapsedTimer clock;
    clock.start();
    QList<int> got;
    for (const QVariant &v : bag.yielding()) {
        got << v.toInt();
        break;
    }
    QVERIFY(bag.isIdle());
    QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(got, QList<int>({ 0 }));
    for (int i = 1; i < 5; ++i)
        QVERIFY(futures.at(i).isCanceled());
    QCOMPARE(bag.finishedCount(), 5);

    const QString chars = QStringLiteral("xyz");
    for (int i = 0; i < 3; ++i)
        bag.spawn([i, c = chars.at(i)] { return delayed((3 - i) * 10, QString(c)); });
    QCOMPARE(bag.spawnedCount(), 3);
    QCOMPARE(joined(bag), chars);
    QCOMPARE(bag.finishedCount(), 3);
}

// Breaking out cancels tasks, not results: a result that had arrived (waiting behind a task
// that is then canceled) is delivered and retained, until taken. A caller that reuses the bag
// for a new round takes it (or sees it first).
void tst_OrderedBag::resultsInBeforeBreakAreKept()
{
    OrderedBag bag;
    QSignalSpy ready(&bag, &Bag::resultReady);
    bag.spawn([] { return delayed(20, 0); });
    bag.spawn([] { return delayed(60000, 1); });
    bag.spawn([] { return delayed(1, 2); }); // arrives first, waits behind place 1
    for (const QVariant &v : bag.yielding()) {
        QCOMPARE(v.toInt(), 0);
        break;
    }
    QVERIFY(bag.isIdle());
    QCOMPARE(bag.takeAll(), QVariantList({ 2 }));
    QCOMPARE(ready.count(), 2);

    bag.spawn([] { return delayed(5, 10); });
    QList<int> got;
    for (const QVariant &v : bag.yielding())
        got << v.toInt();
    QCOMPARE(got, QList<int>({ 10 }));
}

void tst_OrderedBag::negativePoolSizeWarns()
{
    QTest::ignoreMessage(QtWarningMsg,
                         "AioUtils::Bag: pool size -2 is negative; using 0 (unlimited)");
    OrderedBag bag(-2);
    QCOMPARE(bag.maxConcurrency(), 0);
    for (int i = 0; i < 4; ++i)
        bag.spawn([i] { return delayed((4 - i) * 5, i); });
    QCOMPARE(bag.runningCount(), 4);
    QList<int> got;
    for (const QVariant &v : bag.yielding())
        got << v.toInt();
    QCOMPARE(got, TestUtil::range(4));
}

// With a limit, a put() after a queued task fills the buffer with a value that can only be
// delivered after that task: the task next to deliver must still start.
void tst_OrderedBag::bufferLimitDoesNotStallBehindQueuedPlace()
{
    OrderedBag bag;
    bag.setBufferLimit(1);
    bag.spawn([] { return TestUtil::delayed(30, 1); });
    bag.spawn([] { return 2; });
    bag.put(3);
    QList<int> got;
    for (int i = 0; i < 3; ++i) {
        const std::optional<QVariant> value = bag.next(QDeadlineTimer(10000));
        QVERIFY2(value.has_value(), qPrintable(QStringLiteral("stalled after %1").arg(i)));
        got << value->toInt();
    }
    QCOMPARE(got, QList<int>({ 1, 2, 3 }));
}

// Started in order, every task is "next to deliver" when it starts: that alone must not let it
// past the limit. Spawned one after another and nobody taking, the bag holds at 2 results and 8
// tasks wait, as a Bag(2) does.
void tst_OrderedBag::bufferLimitHoldsWithoutConsumer()
{
    OrderedBag bag(2);
    bag.setBufferLimit(2);
    int most = 0;
    connect(&bag, &Bag::bufferedCountChanged, &bag,
            [&bag, &most] { most = std::max(most, bag.bufferedCount()); });
    for (int i = 0; i < 10; ++i) {
        bag.spawn([i] { return i; });
        // Until the task has ended, or waits in the queue.
        QTRY_COMPARE(bag.runningCount(), 0);
        TestUtil::settle();
    }
    QCOMPARE(bag.bufferedCount(), 2);
    QCOMPARE(bag.queuedCount(), 8); // the first two ran in rounds of their own

    QList<int> got;
    while (const std::optional<QVariant> value = bag.next(QDeadlineTimer(10000))) {
        got << value->toInt();
        QVERIFY2(bag.bufferedCount() <= 2, qPrintable(QString::number(bag.bufferedCount())));
    }
    QCOMPARE(got, TestUtil::range(10));
    QVERIFY(bag.isIdle());
    QCOMPARE(most, 2);
}

// Found by tst_stress: a place that ends empty (void, failed, canceled; here an adopted void
// future) and is delivered makes the queued place behind it next to deliver. With put() items
// behind that place filling the buffer, only the exemption for the next place can start it, so
// delivering the empty place must look at the queue again, or nothing ever does and join() waits
// for ever.
void tst_OrderedBag::bufferLimitStartsPlaceMadeNextByEmptyPlace()
{
    OrderedBag bag;
    bag.setBufferLimit(1);
    QPromise<void> gate;
    gate.start();
    bag.spawn(gate.future());    // place 0, running: the buffer is full
    bag.spawn([] { return 1; }); // place 1, queued
    bag.put(2);                  // place 2
    bag.put(3);                  // place 3
    QCOMPARE(bag.queuedCount(), 1);
    gate.finish(); // place 0 ends empty; only place 1 can free the buffer
    QVERIFY(bag.join(QDeadlineTimer(10000)));
    QCOMPARE(bag.takeAll(), QVariantList({ 1, 2, 3 }));
}

// Found by tst_stress: the next place may start over the limit only so that the put() items
// behind it can be delivered. While results that can be taken already fill the buffer, it waits
// like any other task; otherwise, with a put() behind every task and nobody taking, each task in
// turn was "next" and the bag grew without bound.
void tst_OrderedBag::bufferLimitExemptionOnlyWhenNothingToTake()
{
    OrderedBag bag;
    bag.setBufferLimit(1);
    int most = 0;
    connect(&bag, &Bag::bufferedCountChanged, &bag,
            [&bag, &most] { most = std::max(most, bag.bufferedCount()); });
    QPromise<void> gate;
    gate.start();
    bag.spawn(gate.future()); // place 0, running: the buffer is full
    for (int i = 1; i <= 3; ++i) {
        bag.spawn([i] { return i; });
        bag.put(-i);
    }
    QCOMPARE(bag.queuedCount(), 3);
    gate.finish();
    // Task 1 starts (only it can let -1 out), then the bag holds 1 and -1 to be taken, and -2
    // and -3 behind the two tasks that wait.
    QTRY_COMPARE(bag.bufferedCount(), 4);
    TestUtil::settle();
    QCOMPARE(bag.queuedCount(), 2);
    QCOMPARE(bag.runningCount(), 0);

    QList<int> got;
    while (const std::optional<QVariant> value = bag.next(QDeadlineTimer(10000)))
        got << value->toInt();
    QCOMPARE(got, QList<int>({ 1, -1, 2, -2, 3, -3 }));
    QCOMPARE(most, 4); // the limit and the three put() items, never more
}

void tst_OrderedBag::slotConnectedHalfwayHearsTheRest_data()
{
    QTest::addColumn<bool>("ordered");
    QTest::newRow("OrderedBag") << true;
    QTest::newRow("Bag") << false;
}

// With nothing connected to resultReady, results go straight to where they wait to be taken; a
// slot connected halfway hears of every result delivered after it, in the order next() hands
// them out, and nothing is lost or reordered across the switch.
void tst_OrderedBag::slotConnectedHalfwayHearsTheRest()
{
    QFETCH(bool, ordered);
    constexpr int Half = 500;
    const std::unique_ptr<Bag> bag =
            ordered ? std::make_unique<OrderedBag>() : std::make_unique<Bag>();
    QThreadPool threads;
    for (int i = 0; i < Half; ++i)
        bag->spawn(&threads, [i] { return i; });
    std::vector<QPromise<int>> later(Half);
    for (QPromise<int> &promise : later) {
        promise.start();
        bag->spawn(promise.future());
    }
    QList<int> taken;
    for (int i = 0; i < Half; ++i) {
        const std::optional<QVariant> value = bag->next();
        QVERIFY(value);
        taken << value->toInt();
    }
    QList<int> heard;
    connect(bag.get(), &Bag::resultReady, bag.get(),
            [&heard](const QVariant &value) { heard << value.toInt(); });
    // Finished last to first: an OrderedBag still hands them out first to last.
    for (int i = Half; i-- > 0;) {
        later[std::size_t(i)].addResult(Half + i);
        later[std::size_t(i)].finish();
    }
    for (const QVariant &value : bag->yielding())
        taken << value.toInt();
    QCOMPARE(taken.size(), 2 * Half);
    QCOMPARE(taken.mid(Half), heard);
    if (ordered) {
        QCOMPARE(taken, TestUtil::range(2 * Half));
    } else {
        std::sort(taken.begin(), taken.end());
        QCOMPARE(taken, TestUtil::range(2 * Half));
        std::sort(heard.begin(), heard.end());
    }
    QCOMPARE(heard, TestUtil::range(2 * Half).mid(Half));
    QCOMPARE(bag->bufferedCount(), 0);
}

QTEST_GUILESS_MAIN(tst_OrderedBag)
#include "tst_orderedbag.moc"
