// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Keyed tasks: AioUtils::Key, limitPerKey (no head-of-line blocking, FIFO per key), spawnOnce()
// (single flight), spawnLatest() (latest wins), rateLimit and rateLimitPerKey, in Group, Pool,
// Bag and OrderedBag, with real event loops, timers and thread pools. The same rules against a
// real local HTTP server are in tst_keys_network.

#include "gate.h"
#include "testutil.h"

#include <AioUtils/Bag>
#include <AioUtils/Group>
#include <AioUtils/Key>
#include <AioUtils/OrderedBag>
#include <AioUtils/Pool>

#include <QtCore/qelapsedtimer.h>
#include <QtCore/qhash.h>
#include <QtCore/qmutex.h>
#include <QtCore/qset.h>
#include <QtCore/qurl.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <atomic>
#include <unordered_set>

using AioUtils::Bag;
using AioUtils::Group;
using AioUtils::Key;
using AioUtils::OrderedBag;
using AioUtils::Pool;
using namespace TestUtil;

namespace {
// "a0 a1" as a QStringList.
QStringList names(const char *list)
{
    return QString::fromLatin1(list).split(QLatin1Char(' '), Qt::SkipEmptyParts);
}

template<typename T> bool same(const QFuture<T> &a, const QFuture<T> &b)
{
    return QFutureInterfaceBase::get(a) == QFutureInterfaceBase::get(b);
}

// Work on the group's thread that records when it started and ends when the test says.
class Recorder
{
public:
    // A task of `name`: its start is noted, and it ends when opened (gate `index`).
    auto task(const QString &name)
    {
        return [this, name] {
            started << name;
            times.insert(name, clock.nsecsElapsed());
            return gates.make();
        };
    }
    // A task that ends at once (a finished future), noting its start.
    auto quick(const QString &name)
    {
        return [this, name] {
            started << name;
            times.insert(name, clock.nsecsElapsed());
            QPromise<int> done;
            done.start();
            done.addResult(0);
            done.finish();
            return done.future();
        };
    }
    double msBetween(const QString &a, const QString &b) const
    {
        return double(times.value(b) - times.value(a)) / 1e6;
    }
    // Since the recorder was made, before the test spawned anything.
    double msAt(const QString &name) const { return double(times.value(name)) / 1e6; }

    QStringList started;
    QHash<QString, qint64> times;
    Gates gates;
    QElapsedTimer clock;
    Recorder() { clock.start(); }
};
} // namespace

class tst_Keys : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void keyOfHost_data();
    void keyOfHost();
    void keyCompares();

    void limitPerKeyHoldsAndNothingBlocksBehind();
    void eachKeyKeepsSpawnOrder();
    void keyedTasksShareThePoolLimit();
    void limitPerKeyOnThreadPoolWork();
    void raisingTheLimitStartsParkedTasks();
    void orderedBagKeepsSpawnOrderAcrossKeys();
    void bagBufferLimitWithKeys();
    void orderedBagBufferLimitLetsTheNextToDeliverGo();
    void canceledWhileParked();
    void cancelDropsParkedTasks();
    void emptyKeyIsNoKey();

    void spawnOnceGivesTheRunningTask();
    void spawnOnceOfAnotherTypeWarns();
    void spawnOnceFromManyThreads();
    void keysComeAndGoInOneRound();
    void spawnLatestCancelsQueuedAndRunning();
    void spawnLatestInOrderedBag();

    void rateLimitSpacesStarts();
    void rateLimitPerKeyDoesNotHoldOtherKeys();
    void taskWaitingForItsRateHoldsNoSlot();
    void slotAvailableWaitsForTheRate();

    void negativeSettingsWarn();
};

void tst_Keys::keyOfHost_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("key");
    QTest::newRow("http") << "http://Example.org/a"
                          << "http://example.org:80";
    QTest::newRow("http port 80") << "http://example.org:80/b?x"
                                  << "http://example.org:80";
    QTest::newRow("https") << "https://example.org/"
                           << "https://example.org:443";
    QTest::newRow("other port") << "http://127.0.0.1:8080/"
                                << "http://127.0.0.1:8080";
    QTest::newRow("ipv6") << "http://[::1]:81/"
                          << "http://[::1]:81";
    QTest::newRow("other scheme") << "ftp://example.org/x"
                                  << "ftp://example.org";
    QTest::newRow("file") << "file:///tmp/x"
                          << "";
    QTest::newRow("invalid") << ""
                             << "";
}

void tst_Keys::keyOfHost()
{
    QFETCH(QString, url);
    QFETCH(QString, key);
    const Key made = Key::host(QUrl(url));
    QCOMPARE(made.toString(), key);
    QCOMPARE(made.isEmpty(), key.isEmpty());
}

void tst_Keys::keyCompares()
{
    QCOMPARE(Key(QStringLiteral("a")), Key(QStringLiteral("a")));
    QVERIFY(Key(QStringLiteral("a")) != Key(QStringLiteral("b")));
    QVERIFY(Key(QStringLiteral("a")) < Key(QStringLiteral("b")));
    QVERIFY(Key().isEmpty());
    QCOMPARE(Key(QString()), Key());
    QSet<Key> set { Key(QStringLiteral("a")), Key(QStringLiteral("a")), Key(QStringLiteral("b")) };
    QCOMPARE(set.size(), 2);
    std::unordered_set<Key> std { Key(QStringLiteral("a")), Key(QStringLiteral("b")) };
    QCOMPARE(std.count(Key(QStringLiteral("b"))), std::size_t(1));
}

void tst_Keys::limitPerKeyHoldsAndNothingBlocksBehind()
{
    Group group;
    group.setLimitPerKey(2);
    Recorder rec;
    const Key a(QStringLiteral("a"));
    for (int i = 0; i < 5; ++i)
        group.spawn(a, rec.task(QStringLiteral("a%1").arg(i)));
    // Behind three held-back tasks of a: a task of b, and an unkeyed one, start at once.
    group.spawn(Key(QStringLiteral("b")), rec.task(QStringLiteral("b0")));
    group.spawn(rec.task(QStringLiteral("u0")));
    QCOMPARE(rec.started, names("a0 a1 b0 u0"));
    QCOMPARE(group.runningCount(), 4);
    QCOMPARE(group.queuedCount(), 3);

    rec.gates.open(0); // a0 ends: a2 takes its place
    QTRY_COMPARE_WITH_TIMEOUT(rec.started.size(), 5, Patience);
    QCOMPARE(rec.started.last(), QStringLiteral("a2"));
    QCOMPARE(group.runningCount(), 4);
    rec.gates.open(2); // b0 ends: nothing of a may start
    settle();
    QCOMPARE(rec.started.size(), 5);
    QCOMPARE(group.runningCount(), 3);
    for (int i = 0; i < rec.gates.count(); ++i)
        rec.gates.open(i);
    QTRY_COMPARE_WITH_TIMEOUT(rec.started.size(), 7, Patience);
    for (int i = 0; i < rec.gates.count(); ++i)
        rec.gates.open(i);
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(group.finishedCount(), 7);
    QCOMPARE(rec.started, names("a0 a1 b0 u0 a2 a3 a4"));
}

void tst_Keys::eachKeyKeepsSpawnOrder()
{
    Pool pool(3);
    pool.setLimitPerKey(1);
    Recorder rec;
    // Spawned interleaved; each key's tasks must start in the order they were spawned.
    for (int i = 0; i < 6; ++i) {
        for (const char *key : { "x", "y", "z" })
            pool.spawn(Key(QLatin1String(key)),
                       rec.quick(QStringLiteral("%1%2").arg(QLatin1String(key)).arg(i)));
    }
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    QCOMPARE(rec.started.size(), 18);
    for (const char *key : { "x", "y", "z" }) {
        QStringList mine;
        for (const QString &name : std::as_const(rec.started)) {
            if (name.startsWith(QLatin1String(key)))
                mine << name;
        }
        QStringList expected;
        for (int i = 0; i < 6; ++i)
            expected << QStringLiteral("%1%2").arg(QLatin1String(key)).arg(i);
        QCOMPARE(mine, expected);
    }
}

void tst_Keys::keyedTasksShareThePoolLimit()
{
    Pool pool(2);
    pool.setLimitPerKey(1);
    Recorder rec;
    const Key a(QStringLiteral("a")), b(QStringLiteral("b")), c(QStringLiteral("c"));
    pool.spawn(a, rec.task(QStringLiteral("a0"))); // gate 0
    pool.spawn(a, rec.task(QStringLiteral("a1")));
    pool.spawn(b, rec.task(QStringLiteral("b0"))); // gate 1
    pool.spawn(c, rec.task(QStringLiteral("c0")));
    QCOMPARE(rec.started, names("a0 b0"));
    QCOMPARE(pool.freeCount(), 0);
    // a0 ends: a1 was spawned first, and its key now lets it go.
    rec.gates.open(0);
    QTRY_COMPARE_WITH_TIMEOUT(rec.started.size(), 3, Patience);
    QCOMPARE(rec.started.last(), QStringLiteral("a1"));
    rec.gates.open(1); // b0 ends: c0
    QTRY_COMPARE_WITH_TIMEOUT(rec.started.size(), 4, Patience);
    QCOMPARE(rec.started.last(), QStringLiteral("c0"));
    for (int i = 0; i < rec.gates.count(); ++i)
        rec.gates.open(i);
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    QCOMPARE(pool.finishedCount(), 4);
}

void tst_Keys::limitPerKeyOnThreadPoolWork()
{
    // Thread-pool work, spawned and posted from several threads at once: no key ever has more
    // than limitPerKey tasks running, and every result arrives.
    constexpr int Keys = 7, PerThread = 300, Limit = 2;
    Bag bag(6);
    bag.setLimitPerKey(Limit);
    std::atomic<int> running[Keys] = {};
    std::atomic<int> most[Keys] = {};
    std::atomic<int> overLimit = 0;
    const auto work = [&](int key, int value) {
        const int now = ++running[key];
        raiseTo(most[key], now);
        if (now > Limit)
            ++overLimit;
        QThread::usleep(50);
        --running[key];
        return value;
    };
    {
        Threads threads;
        for (int t = 0; t < 3; ++t) {
            threads.start([&, t] {
                for (int i = 0; i < PerThread; ++i) {
                    const int key = (i * 5 + t) % Keys;
                    const Key name(QString::number(key));
                    if (i % 2)
                        bag.post(name, work, key, t * PerThread + i);
                    else
                        bag.spawn(name, work, key, t * PerThread + i);
                }
            });
        }
    }
    QVERIFY(bag.join(QDeadlineTimer(Patience)));
    QCOMPARE(overLimit.load(), 0);
    for (int key = 0; key < Keys; ++key)
        QVERIFY(most[key].load() <= Limit);
    const QList<int> values = sortedInts(bag.takeAll());
    QCOMPARE(values.size(), 3 * PerThread);
    for (int i = 0; i < values.size(); ++i)
        QCOMPARE(values[i], i);
}

void tst_Keys::raisingTheLimitStartsParkedTasks()
{
    Group group;
    group.setLimitPerKey(1);
    Recorder rec;
    const Key a(QStringLiteral("a"));
    for (int i = 0; i < 4; ++i)
        group.spawn(a, rec.task(QStringLiteral("a%1").arg(i)));
    QCOMPARE(rec.started.size(), 1);
    QSignalSpy changed(&group, &Group::limitPerKeyChanged);
    group.setLimitPerKey(3);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(rec.started, names("a0 a1 a2"));
    group.setLimitPerKey(0); // none
    QCOMPARE(rec.started.size(), 4);
    for (int i = 0; i < rec.gates.count(); ++i)
        rec.gates.open(i);
    QVERIFY(group.join(QDeadlineTimer(Patience)));
}

void tst_Keys::orderedBagKeepsSpawnOrderAcrossKeys()
{
    OrderedBag bag;
    bag.setLimitPerKey(1);
    // Three keys; each task waits a while, the later keys' shorter: they end out of order.
    for (int i = 0; i < 12; ++i) {
        const int key = i % 3;
        bag.spawn(Key(QString::number(key)), [i, key] { return delayed(30 - key * 10, i); });
    }
    QVariantList got;
    for (const QVariant &value : bag.yielding())
        got << value;
    QCOMPARE(got.size(), 12);
    for (int i = 0; i < 12; ++i)
        QCOMPARE(got[i].toInt(), i);
}

void tst_Keys::bagBufferLimitWithKeys()
{
    Bag bag;
    bag.setBufferLimit(2);
    bag.setLimitPerKey(1);
    for (int i = 0; i < 6; ++i)
        bag.spawn(Key(QString::number(i % 2)), [i] { return delayed(5, i); });
    QList<int> got;
    while (const std::optional<QVariant> value = bag.next(QDeadlineTimer(Patience))) {
        QVERIFY(bag.bufferedCount() <= 2);
        got << value->toInt();
    }
    std::sort(got.begin(), got.end());
    QCOMPARE(got, QList<int>({ 0, 1, 2, 3, 4, 5 }));
}

void tst_Keys::orderedBagBufferLimitLetsTheNextToDeliverGo()
{
    // Two keys let their held-back tasks go in the other order than they were spawned: the task
    // next to deliver (the only one an OrderedBag over its buffer limit may start) waits behind
    // the other one, and must start all the same.
    OrderedBag bag;
    bag.setBufferLimit(3);
    bag.setLimitPerKey(1);
    Gates gates;
    const Key a(QStringLiteral("a")), b(QStringLiteral("b"));
    bag.spawn(a, [&] { return gates.make(); }); // place 0, gate 0
    bag.spawn(a, [] { return delayed(1, 1); }); // place 1: waits for a
    bag.spawn(b, [&] { return gates.make(); }); // place 2, gate 1
    bag.spawn(b, [] { return delayed(1, 3); }); // place 3: waits for b
    bag.put(4);
    bag.put(5);
    QCOMPARE(bag.runningCount(), 2);
    gates.open(1, 2); // b goes first: place 3 is let go by its key, and held by the buffer
    QTRY_COMPARE_WITH_TIMEOUT(bag.runningCount(), 1, Patience);
    gates.open(0, 0); // then a: place 1 is let go, behind place 3
    QVariantList got;
    while (const std::optional<QVariant> value = bag.next(QDeadlineTimer(5000)))
        got << *value;
    QCOMPARE(got, QVariantList({ 0, 1, 2, 3, 4, 5 }));
}

void tst_Keys::canceledWhileParked()
{
    Group group;
    group.setLimitPerKey(1);
    Recorder rec;
    const Key a(QStringLiteral("a"));
    group.spawn(a, rec.task(QStringLiteral("a0")));
    QFuture<int> parked = group.spawn(a, rec.task(QStringLiteral("a1")));
    group.spawn(a, rec.task(QStringLiteral("a2")));
    group.spawn(Key(QStringLiteral("b")), rec.task(QStringLiteral("b0"))); // parks a1 and a2
    QCOMPARE(rec.started, names("a0 b0"));
    parked.cancel();
    rec.gates.open(0);
    // a1 never starts; a2 does.
    QTRY_COMPARE_WITH_TIMEOUT(rec.started.size(), 3, Patience);
    QCOMPARE(rec.started.last(), QStringLiteral("a2"));
    for (int i = 0; i < rec.gates.count(); ++i)
        rec.gates.open(i);
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(group.finishedCount(), 4);
}

void tst_Keys::cancelDropsParkedTasks()
{
    Pool pool(4);
    pool.setLimitPerKey(1);
    Recorder rec;
    QList<QFuture<int>> futures;
    for (int i = 0; i < 6; ++i)
        futures << pool.spawn(Key(QString::number(i % 2)), rec.task(QString::number(i)));
    pool.spawn(rec.task(QStringLiteral("u"))); // parks the rest of 0 and 1
    QCOMPARE(rec.started.size(), 3);
    QCOMPARE(pool.queuedCount(), 4);
    pool.cancel();
    QVERIFY(pool.isIdle());
    QCOMPARE(pool.finishedCount(), 7);
    for (const QFuture<int> &future : std::as_const(futures))
        QTRY_VERIFY_WITH_TIMEOUT(future.isCanceled(), Patience);
    settle();
    QCOMPARE(rec.started.size(), 3);
    // The next round starts clean: the key's limit counts only its new tasks.
    QFuture<int> next = pool.spawn(Key(QStringLiteral("0")), rec.quick(QStringLiteral("next")));
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    QCOMPARE(rec.started.last(), QStringLiteral("next"));
    QCOMPARE(next.result(), 0);
}

void tst_Keys::emptyKeyIsNoKey()
{
    Group group;
    group.setLimitPerKey(1);
    Recorder rec;
    group.spawn(Key(), rec.task(QStringLiteral("n0")));
    group.spawn(Key(QString()), rec.task(QStringLiteral("n1")));
    group.post(Key(), rec.task(QStringLiteral("n2")));
    // Unkeyed: no limit per key, and spawnOnce() finds nothing by no key.
    QFuture<int> once1 = group.spawnOnce(Key(), rec.task(QStringLiteral("o1")));
    QFuture<int> once2 = group.spawnOnce(Key(), rec.task(QStringLiteral("o2")));
    QVERIFY(!same(once1, once2));
    QCOMPARE(rec.started.size(), 5);
    for (int i = 0; i < rec.gates.count(); ++i)
        rec.gates.open(i);
    QVERIFY(group.join(QDeadlineTimer(Patience)));
}

void tst_Keys::spawnOnceGivesTheRunningTask()
{
    Pool pool(1);
    Recorder rec;
    pool.spawn(rec.task(QStringLiteral("blocker"))); // gate 0: the thumbnails queue
    const Key k(QStringLiteral("thumb"));
    int calls = 0;
    const auto load = [&calls, &rec] {
        ++calls;
        return rec.gates.make();
    };
    // Queued: the same future for every caller.
    QFuture<int> first = pool.spawnOnce(k, load);
    QFuture<int> second = pool.spawnOnce(k, load);
    QVERIFY(same(first, second));
    QCOMPARE(pool.spawnedCount(), 2);
    rec.gates.open(0);
    QTRY_COMPARE_WITH_TIMEOUT(calls, 1, Patience);
    // Running: still the same one.
    QFuture<int> third = pool.spawnOnce(k, load);
    QVERIFY(same(third, first));
    rec.gates.open(1, 42);
    QTRY_VERIFY_WITH_TIMEOUT(first.isFinished(), Patience);
    QCOMPARE(third.result(), 42);
    // Ended: a new flight.
    QFuture<int> fourth = pool.spawnOnce(k, load);
    QVERIFY(!same(fourth, first));
    QTRY_COMPARE_WITH_TIMEOUT(calls, 2, Patience);
    rec.gates.open(2, 7);
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    QCOMPARE(fourth.result(), 7);
    // Thread-pool work, from another thread than the group's too.
    std::atomic<int> pooled = 0;
    GatedPool gated(2);
    QFuture<int> a = pool.spawnOnce(k, gated.pool(), [&] {
        ++pooled;
        gated.wait();
        return 1;
    });
    QFuture<int> b;
    std::thread other([&] {
        b = pool.spawnOnce(k, gated.pool(), [&] {
            ++pooled;
            return 2;
        });
    });
    other.join();
    QVERIFY(same(a, b));
    gated.open();
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    QCOMPARE(pooled.load(), 1);
    QCOMPARE(b.result(), 1);
}

void tst_Keys::spawnOnceOfAnotherTypeWarns()
{
    Group group;
    Recorder rec;
    const Key k(QStringLiteral("k"));
    QFuture<int> ints = group.spawnOnce(k, rec.task(QStringLiteral("int")));
    QTest::ignoreMessage(QtWarningMsg,
                         "AioUtils::Group::spawnOnce: the task of key \"k\" has another result "
                         "type; spawning a new task");
    QFuture<QString> strings = group.spawnOnce(k, [] { return delayed(1, QStringLiteral("s")); });
    rec.gates.open(0, 1);
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(ints.result(), 1);
    QCOMPARE(strings.result(), QStringLiteral("s"));
    QCOMPARE(group.spawnedCount(), 2);
}

void tst_Keys::spawnOnceFromManyThreads()
{
    // Threads ask for the same few keys at once, while the tasks they find end: every future
    // handed out holds its key's value, whether it was a new flight or one found in the air
    // (whose first caller may have dropped its future already).
    constexpr int Keys = 16, PerThread = 1500;
    Bag bag;
    std::atomic<int> wrong = 0;
    std::atomic<int> flights = 0;
    {
        Threads threads;
        for (int t = 0; t < 3; ++t) {
            threads.start([&, t] {
                for (int i = 0; i < PerThread; ++i) {
                    const int k = (i * 7 + t) % Keys;
                    QFuture<QString> future = bag.spawnOnce(Key(QString::number(k)), [k, &flights] {
                        ++flights;
                        return QStringLiteral("value of %1").arg(k);
                    });
                    if (i % 3 == 0)
                        continue; // dropped at once
                    if (future.result() != QStringLiteral("value of %1").arg(k))
                        ++wrong;
                }
            });
        }
    }
    QVERIFY(bag.join(QDeadlineTimer(Patience)));
    QCOMPARE(wrong.load(), 0);
    QVERIFY(flights.load() >= Keys);
    QCOMPARE(bag.takeAll().size(), flights.load()); // one result a flight
}

void tst_Keys::keysComeAndGoInOneRound()
{
    // A round that never ends sees thousands of keys, each used and done with: a key whose
    // tasks ended is let go (its index reused), and the next task of that name is as new.
    Pool pool(4);
    pool.setLimitPerKey(1);
    Gate<int> blocker;
    pool.spawn([&] { return blocker.future(); }); // keeps the round open
    Recorder rec;
    for (int i = 0; i < 3000; ++i) {
        const Key key(QStringLiteral("k%1").arg(i % 1500));
        pool.spawn(key, rec.quick(QString::number(i)));
        QFuture<int> once = pool.spawnOnce(key, rec.task(QStringLiteral("once%1").arg(i)));
        QFuture<int> again = pool.spawnOnce(key, rec.task(QStringLiteral("again%1").arg(i)));
        QVERIFY(same(once, again));
        rec.gates.open(rec.gates.count() - 1, i);
        QTRY_VERIFY_WITH_TIMEOUT(once.isFinished(), Patience);
        QCOMPARE(once.result(), i);
    }
    QCOMPARE(rec.started.size(), 6000);
    QVERIFY(!rec.started.contains(QStringLiteral("again0")));
    blocker.open(0);
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    QCOMPARE(pool.finishedCount(), 6001);
    QCOMPARE(pool.failedCount(), 0);
}

void tst_Keys::spawnLatestCancelsQueuedAndRunning()
{
    Pool pool(2);
    Recorder rec;
    const Key search(QStringLiteral("search"));
    pool.spawn(rec.task(QStringLiteral("other"))); // gate 0, holds a slot all along
    QFuture<int> a = pool.spawnLatest(search, rec.task(QStringLiteral("a"))); // gate 1, runs
    QFuture<int> ab = pool.spawn(search, rec.task(QStringLiteral("ab")));     // queued
    QFuture<int> unrelated = pool.spawn(Key(QStringLiteral("x")), rec.task(QStringLiteral("x")));
    QCOMPARE(rec.started, names("other a"));
    bool abCanceledSeen = false;
    QFuture<int> abHandled = ab.onCanceled([&abCanceledSeen] {
        abCanceledSeen = true;
        return -1;
    });
    // Typed ahead: the running one and the queued one are canceled; the new one takes a's slot.
    QFuture<int> abc = pool.spawnLatest(search, rec.task(QStringLiteral("abc")));
    // The queued one's continuations ran at once too.
    QVERIFY(abCanceledSeen);
    QCOMPARE(abHandled.result(), -1);
    QTRY_VERIFY_WITH_TIMEOUT(a.isCanceled(), Patience);
    QVERIFY(ab.isCanceled());
    // Dropped while queued: its future is finished now, not when the queue reaches it.
    QVERIFY(ab.isFinished());
    QVERIFY(!unrelated.isCanceled());
    // a ends (as canceled) once its work stops, as a canceled request does: here its gate.
    settle();
    QCOMPARE(rec.started.size(), 2);
    rec.gates.open(1);
    QTRY_COMPARE_WITH_TIMEOUT(rec.started.size(), 3, Patience);
    // a's slot went to the queue's front: x, spawned before abc.
    QCOMPARE(rec.started.last(), QStringLiteral("x"));
    for (int i = 0; i < rec.gates.count(); ++i)
        rec.gates.open(i, i);
    QTRY_COMPARE_WITH_TIMEOUT(rec.started.size(), 4, Patience);
    QCOMPARE(rec.started.last(), QStringLiteral("abc"));
    for (int i = 0; i < rec.gates.count(); ++i)
        rec.gates.open(i, i);
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    QVERIFY(abc.isFinished() && !abc.isCanceled());
    QCOMPARE(pool.spawnedCount(), 5);
    QCOMPARE(pool.finishedCount(), 5);
    QCOMPARE(pool.failedCount(), 0);
    QVERIFY(!rec.started.contains(QStringLiteral("ab")));
}

void tst_Keys::spawnLatestInOrderedBag()
{
    // Dropped tasks give up their places: the bag does not stall, and the rest come in order.
    OrderedBag bag(1);
    const Key k(QStringLiteral("k"));
    Gates gates;
    bag.spawn([&] { return gates.make(); }); // holds the only slot
    bag.spawn(k, [] { return delayed(1, 1); });
    bag.spawn(k, [] { return delayed(1, 2); });
    bag.spawnLatest(k, [] { return delayed(1, 3); });
    bag.put(4);
    gates.open(0, 0);
    QVariantList got;
    for (const QVariant &value : bag.yielding())
        got << value;
    QCOMPARE(got, QVariantList({ 0, 3, 4 }));
}

void tst_Keys::rateLimitSpacesStarts()
{
    Group group;
    QSignalSpy changed(&group, &Group::rateLimitChanged);
    group.setRateLimit(20); // one start each 50 ms
    QCOMPARE(changed.size(), 1);
    QCOMPARE(group.rateLimit(), 20.0);
    Recorder rec;
    for (int i = 0; i < 5; ++i)
        group.spawn(rec.quick(QString::number(i)));
    QCOMPARE(rec.started.size(), 1); // no burst
    QCOMPARE(group.queuedCount(), 4);
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(rec.started.size(), 5);
    for (int i = 1; i < 5; ++i) {
        const double ms = rec.msBetween(QString::number(i - 1), QString::number(i));
        QVERIFY2(ms >= 48.0, qPrintable(QStringLiteral("%1 ms between starts").arg(ms)));
    }
    // Thread-pool work too: no window of a second has more than the rate's starts.
    std::atomic<int> ran = 0;
    QElapsedTimer clock;
    clock.start();
    group.setRateLimit(50); // 20 ms apart
    for (int i = 0; i < 6; ++i)
        group.post([&ran] { ++ran; });
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(ran.load(), 6);
    QVERIFY(clock.elapsed() >= 5 * 20 - 1);
}

void tst_Keys::rateLimitPerKeyDoesNotHoldOtherKeys()
{
    Group group;
    group.setRateLimitPerKey(10); // each key: one start each 100 ms
    QCOMPARE(group.rateLimitPerKey(), 10.0);
    Recorder rec;
    const Key a(QStringLiteral("a")), b(QStringLiteral("b"));
    group.spawn(a, rec.quick(QStringLiteral("a0")));
    group.spawn(a, rec.quick(QStringLiteral("a1")));
    group.spawn(a, rec.quick(QStringLiteral("a2")));
    group.spawn(b, rec.quick(QStringLiteral("b0")));
    group.spawn(rec.quick(QStringLiteral("u0")));
    // a1 and a2 wait for a's rate; b0 and the unkeyed task start at once.
    QCOMPARE(rec.started, names("a0 b0 u0"));
    group.spawn(b, rec.quick(QStringLiteral("b1")));
    QVERIFY(group.join(QDeadlineTimer(Patience)));
    QCOMPARE(rec.started.size(), 6);
    // A task notes its start when its callable runs, a moment after the group let it start, and
    // that moment varies on a loaded machine (a1's callable may run late, a2's on time): the
    // bounds that hold are from before the first start (a1 at least 100 ms after a0's start,
    // which came after the recorder was made; a2 at least 100 ms after a1's start).
    QVERIFY2(rec.msAt(QStringLiteral("a1")) >= 99.0,
             qPrintable(QString::number(rec.msAt(QStringLiteral("a1")))));
    QVERIFY2(rec.msAt(QStringLiteral("a2")) >= 199.0,
             qPrintable(QString::number(rec.msAt(QStringLiteral("a2")))));
    QVERIFY2(rec.msAt(QStringLiteral("b1")) >= 99.0,
             qPrintable(QString::number(rec.msAt(QStringLiteral("b1")))));
    // b1 went while a still waited: the keys' rates are their own.
    QVERIFY(rec.started.indexOf(QStringLiteral("b1")) < rec.started.indexOf(QStringLiteral("a2")));
}

void tst_Keys::taskWaitingForItsRateHoldsNoSlot()
{
    Pool pool(1);
    pool.setRateLimitPerKey(4); // 250 ms apart per key
    Recorder rec;
    const Key a(QStringLiteral("a"));
    pool.spawn(a, rec.quick(QStringLiteral("a0")));
    pool.spawn(a, rec.quick(QStringLiteral("a1"))); // waits for a's rate, queued
    QTRY_COMPARE_WITH_TIMEOUT(pool.runningCount(), 0, Patience);
    QCOMPARE(pool.queuedCount(), 1);
    QCOMPARE(pool.freeCount(), 1);
    // The only slot is free while a1 waits: b0 takes it now.
    pool.spawn(Key(QStringLiteral("b")), rec.quick(QStringLiteral("b0")));
    QCOMPARE(rec.started, names("a0 b0"));
    QVERIFY(pool.join(QDeadlineTimer(Patience)));
    QCOMPARE(rec.started, names("a0 b0 a1"));
    QVERIFY(rec.msBetween(QStringLiteral("a0"), QStringLiteral("a1")) >= 249.0);
}

void tst_Keys::slotAvailableWaitsForTheRate()
{
    Group group;
    group.setRateLimit(10);
    Recorder rec;
    group.spawn(rec.quick(QStringLiteral("0")));
    QElapsedTimer clock;
    clock.start();
    QFuture<void> free = group.slotAvailable();
    QVERIFY(!free.isFinished());
    QTRY_VERIFY_WITH_TIMEOUT(free.isFinished(), Patience);
    QVERIFY(clock.elapsed() >= 90);
    QVERIFY(!free.isCanceled());
    group.spawn(rec.quick(QStringLiteral("1")));
    QCOMPARE(rec.started.size(), 2); // at once
}

void tst_Keys::negativeSettingsWarn()
{
    Group group;
    QTest::ignoreMessage(QtWarningMsg,
                         "AioUtils::Group::setLimitPerKey: limitPerKey -2 is negative; using 0 "
                         "(none)");
    group.setLimitPerKey(-2);
    QCOMPARE(group.limitPerKey(), 0);
    QTest::ignoreMessage(QtWarningMsg,
                         "AioUtils::Group::setRateLimit: rateLimit -1.5 is negative; using 0 "
                         "(none)");
    group.setRateLimit(-1.5);
    QCOMPARE(group.rateLimit(), 0.0);
    QTest::ignoreMessage(QtWarningMsg,
                         "AioUtils::Group::setRateLimitPerKey: rateLimitPerKey -3 is negative; "
                         "using 0 (none)");
    group.setRateLimitPerKey(-3);
    QCOMPARE(group.rateLimitPerKey(), 0.0);
    QTest::ignoreMessage(QtWarningMsg,
                         "AioUtils::Group::setRateLimit: rateLimit nan is not a number; using 0 "
                         "(none)");
    group.setRateLimit(qQNaN());
    QCOMPARE(group.rateLimit(), 0.0);
    // With none of them, keyed tasks run as unkeyed ones do.
    Recorder rec;
    for (int i = 0; i < 3; ++i)
        group.spawn(Key(QStringLiteral("k")), rec.quick(QString::number(i)));
    QCOMPARE(rec.started.size(), 3);
    QVERIFY(group.join(QDeadlineTimer(Patience)));
}

QTEST_GUILESS_MAIN(tst_Keys)
#include "tst_keys.moc"
