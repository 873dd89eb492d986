// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Built and run only under ThreadSanitizer (see CMakeLists.txt). An application that adopts
// QtConcurrent::run futures into a Group, a Pool or a Bag must see no report with the installed
// suppressions: the values, the exceptions and the futures' shared state cross threads through
// QtCore (QFutureInterface's result and exception stores, QThreadPool), whose synchronization
// TSan cannot see in a Qt that was not built with it. Every kind of work is adopted while it runs
// and after it has finished, many times over, so each hand-over has its chances to be reported.

#include <AioUtils/Bag>
#include <AioUtils/Group>
#include <AioUtils/OrderedBag>
#include <AioUtils/Pool>

#include <QtConcurrent/qtconcurrentrun.h>
#include <QtCore/qexception.h>
#include <QtCore/qpromise.h>
#include <QtCore/qthreadpool.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>
#include <stdexcept>
#include <vector>

using AioUtils::Bag;
using AioUtils::Group;
using AioUtils::OrderedBag;
using AioUtils::Pool;

namespace {

constexpr int rounds = 20;

// What the void tasks leave behind, in atomics that exist before any thread does: a plain variable
// written by QtConcurrent::run work and read after join() is reported, because TSan does not see
// QtCore hand the work's end over, and no suppression can tell that from a real race (README,
// "Using the installed package").
std::atomic<int> voidRuns[8];

// A QException of the application's own: QtConcurrent hands it over by clone() and raise().
class WorkError : public QException
{
public:
    explicit WorkError(const QString &message) : m_message(message.toUtf8()) { }
    void raise() const override { throw *this; }
    WorkError *clone() const override { return new WorkError(*this); }
    const char *what() const noexcept override { return m_message.constData(); }

private:
    QByteArray m_message;
};

struct NotAnStdException
{
    int code;
};

enum class Container { Group, Pool, Bag, OrderedBag };

std::unique_ptr<Group> make(Container container)
{
    switch (container) {
    case Container::Group:
        return std::make_unique<Group>();
    case Container::Pool:
        return std::make_unique<Pool>(3);
    case Container::Bag:
        return std::make_unique<Bag>();
    case Container::OrderedBag:
        return std::make_unique<OrderedBag>();
    }
    return nullptr;
}

Bag *bagOf(Group *group)
{
    return qobject_cast<Bag *>(group);
}

QList<int> sortedInts(const QVariantList &values)
{
    QList<int> ints;
    for (const QVariant &value : values)
        ints << value.toInt();
    std::sort(ints.begin(), ints.end());
    return ints;
}

// The message of what join() rethrew, unwrapping QtConcurrent's QUnhandledException.
QString messageOf(const std::exception_ptr &failure)
{
    try {
        std::rethrow_exception(failure);
    } catch (const QUnhandledException &e) {
        if (e.exception())
            return messageOf(e.exception());
        return QStringLiteral("unhandled");
    } catch (const std::exception &e) {
        return QString::fromUtf8(e.what());
    } catch (const NotAnStdException &e) {
        return QStringLiteral("code %1").arg(e.code);
    } catch (...) {
        return QStringLiteral("unknown");
    }
}

// join() of a round with failures: the first failure, rethrown.
QString joinFailure(Group &group)
{
    try {
        group.join(QDeadlineTimer(30000));
    } catch (...) {
        return messageOf(std::current_exception());
    }
    return QString();
}

} // namespace

Q_DECLARE_METATYPE(Container)

class tst_TsanAdopt : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void values_data() { containers(); }
    void values();
    void strings_data() { containers(); }
    void strings();
    void voids_data() { containers(); }
    void voids();
    void promiseResults_data() { containers(); }
    void promiseResults();
    void failures_data();
    void failures();
    void finishedBeforeAdoption_data() { containers(); }
    void finishedBeforeAdoption();
    void mixed_data() { containers(); }
    void mixed();

private:
    static void containers()
    {
        QTest::addColumn<Container>("container");
        QTest::newRow("Group") << Container::Group;
        QTest::newRow("Pool") << Container::Pool;
        QTest::newRow("Bag") << Container::Bag;
        QTest::newRow("OrderedBag") << Container::OrderedBag;
    }
};

void tst_TsanAdopt::values()
{
    QFETCH(Container, container);
    const std::unique_ptr<Group> group = make(container);
    for (int round = 0; round < rounds; ++round) {
        std::vector<QFuture<int>> futures;
        for (int i = 0; i < 8; ++i)
            futures.push_back(group->spawn(QtConcurrent::run([i] { return i * i; })));
        QVERIFY(group->join(QDeadlineTimer(30000)));
        QCOMPARE(group->finishedCount(), 8);
        QCOMPARE(group->failedCount(), 0);
        for (int i = 0; i < 8; ++i)
            QCOMPARE(futures[i].result(), i * i);
        if (Bag *bag = bagOf(group.get())) {
            const QVariantList results = bag->takeAll();
            QCOMPARE(sortedInts(results), QList<int>({ 0, 1, 4, 9, 16, 25, 36, 49 }));
            if (container == Container::OrderedBag)
                QCOMPARE(results.at(7).toInt(), 49);
        }
    }
}

// Results that own heap memory, made on a pool thread and freed on this one.
void tst_TsanAdopt::strings()
{
    QFETCH(Container, container);
    const std::unique_ptr<Group> group = make(container);
    for (int round = 0; round < rounds; ++round) {
        std::vector<QFuture<QString>> futures;
        for (int i = 0; i < 6; ++i) {
            futures.push_back(group->spawn(QtConcurrent::run(
                    [i] { return QString::number(i).repeated(40) + QStringLiteral("!"); })));
        }
        QVERIFY(group->join(QDeadlineTimer(30000)));
        for (int i = 0; i < 6; ++i)
            QCOMPARE(futures[i].result(), QString::number(i).repeated(40) + QStringLiteral("!"));
        if (Bag *bag = bagOf(group.get())) {
            const QVariantList results = bag->takeAll();
            QCOMPARE(results.size(), 6);
            for (const QVariant &result : results)
                QVERIFY(result.toString().endsWith(QLatin1Char('!')));
        }
    }
}

void tst_TsanAdopt::voids()
{
    QFETCH(Container, container);
    const std::unique_ptr<Group> group = make(container);
    for (std::atomic<int> &runs : voidRuns)
        runs.store(0);
    for (int round = 0; round < rounds; ++round) {
        for (int i = 0; i < 8; ++i)
            group->spawn(QtConcurrent::run([i] { voidRuns[i].fetch_add(1); }));
        QVERIFY(group->join(QDeadlineTimer(30000)));
        QCOMPARE(group->finishedCount(), 8);
        for (int i = 0; i < 8; ++i)
            QCOMPARE(voidRuns[i].load(), round + 1);
        if (Bag *bag = bagOf(group.get()))
            QVERIFY(bag->takeAll().isEmpty());
    }
}

// QtConcurrent::run with a QPromise: several results from one task.
void tst_TsanAdopt::promiseResults()
{
    QFETCH(Container, container);
    const std::unique_ptr<Group> group = make(container);
    for (int round = 0; round < rounds; ++round) {
        const QFuture<int> future = group->spawn(QtConcurrent::run([round](QPromise<int> &promise) {
            for (int i = 0; i < 5; ++i)
                promise.addResult(round * 10 + i);
        }));
        QVERIFY(group->join(QDeadlineTimer(30000)));
        QCOMPARE(future.results(),
                 QList<int>({ round * 10, round * 10 + 1, round * 10 + 2, round * 10 + 3,
                              round * 10 + 4 }));
        if (Bag *bag = bagOf(group.get()))
            QCOMPARE(bag->takeAll().size(), 5);
    }
}

void tst_TsanAdopt::failures_data()
{
    QTest::addColumn<Container>("container");
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("message");
    const struct
    {
        Container container;
        const char *name;
    } containers[] = { { Container::Group, "Group" },
                       { Container::Pool, "Pool" },
                       { Container::Bag, "Bag" },
                       { Container::OrderedBag, "OrderedBag" } };
    for (const auto &c : containers) {
        QTest::addRow("%s, std::runtime_error", c.name) << c.container << 0 << "runtime boom";
        QTest::addRow("%s, QException", c.name) << c.container << 1 << "qexception boom";
        QTest::addRow("%s, not a std::exception", c.name) << c.container << 2 << "code 7";
        QTest::addRow("%s, from a QPromise callable", c.name) << c.container << 3 << "promise boom";
    }
}

// Work that throws: QtConcurrent stores the exception (wrapped in a QUnhandledException unless it
// is a QException) on the pool thread; the group reads it, and join() rethrows it, on this one.
void tst_TsanAdopt::failures()
{
    QFETCH(Container, container);
    QFETCH(int, kind);
    QFETCH(QString, message);
    const std::unique_ptr<Group> group = make(container);
    QSignalSpy failed(group.get(), &Group::taskFailed);
    for (int round = 0; round < rounds; ++round) {
        group->spawn(QtConcurrent::run([] { return 1; }));
        QFuture<void> failing;
        switch (kind) {
        case 0:
            failing = QFuture<void>(group->spawn(
                    QtConcurrent::run([]() -> int { throw std::runtime_error("runtime boom"); })));
            break;
        case 1:
            failing = group->spawn(
                    QtConcurrent::run([] { throw WorkError(QStringLiteral("qexception boom")); }));
            break;
        case 2:
            failing = group->spawn(QtConcurrent::run([] { throw NotAnStdException { 7 }; }));
            break;
        case 3:
            failing = QFuture<void>(group->spawn(QtConcurrent::run([](QPromise<QString> &promise) {
                promise.addResult(QStringLiteral("before"));
                throw std::logic_error("promise boom");
            })));
            break;
        }
        QCOMPARE(joinFailure(*group), message);
        QCOMPARE(group->failedCount(), 1);
        QCOMPARE(group->finishedCount(), 2);
        QVERIFY(failing.isCanceled());
        if (Bag *bag = bagOf(group.get()))
            QCOMPARE(bag->takeAll(), QVariantList({ 1 }));
    }
    // taskFailed() says what the group itself made of the exception.
    QCOMPARE(failed.count(), rounds);
    QCOMPARE(failed.at(0).at(0).toString(),
             kind == 2 ? QStringLiteral("unknown exception") : message);
}

// Futures that are finished when they are adopted: the group reads them at once.
void tst_TsanAdopt::finishedBeforeAdoption()
{
    QFETCH(Container, container);
    const std::unique_ptr<Group> group = make(container);
    QThreadPool pool;
    pool.setMaxThreadCount(2);
    for (int round = 0; round < rounds; ++round) {
        QFuture<int> value = QtConcurrent::run(&pool, [round] { return round; });
        QFuture<void> nothing = QtConcurrent::run(&pool, [] {});
        QFuture<int> failing = QtConcurrent::run(
                &pool, []() -> int { throw std::runtime_error("finished boom"); });
        pool.waitForDone();
        group->spawn(value);
        group->spawn(nothing);
        group->spawn(failing);
        QCOMPARE(joinFailure(*group), QStringLiteral("finished boom"));
        QCOMPARE(value.result(), round);
        QCOMPARE(group->finishedCount(), 3);
        QCOMPARE(group->failedCount(), 1);
        if (Bag *bag = bagOf(group.get()))
            QCOMPARE(bag->takeAll(), QVariantList({ round }));
    }
}

// Adopted futures next to the group's own thread-pool work, on a pool of the application's.
void tst_TsanAdopt::mixed()
{
    QFETCH(Container, container);
    const std::unique_ptr<Group> group = make(container);
    QThreadPool pool;
    pool.setMaxThreadCount(3);
    for (int round = 0; round < rounds; ++round) {
        const QFuture<int> adopted = group->spawn(QtConcurrent::run(&pool, [] { return 1; }));
        const QFuture<int> own = group->spawn(&pool, [] { return 2; });
        group->spawn(QtConcurrent::run(&pool, [] { throw std::runtime_error("mixed boom"); }));
        group->spawn(&pool, [] { throw std::runtime_error("own boom"); });
        const QString first = joinFailure(*group);
        QVERIFY2(first == QStringLiteral("mixed boom") || first == QStringLiteral("own boom"),
                 qPrintable(first));
        QCOMPARE(adopted.result(), 1);
        QCOMPARE(own.result(), 2);
        QCOMPARE(group->failedCount(), 2);
        if (Bag *bag = bagOf(group.get()))
            QCOMPARE(sortedInts(bag->takeAll()), QList<int>({ 1, 2 }));
    }
}

QTEST_GUILESS_MAIN(tst_TsanAdopt)
#include "tst_tsan_adopt.moc"
