// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Helpers shared by the autotests: non-blocking "sleeps" that return futures, like asyncio.sleep,
// patience, a counter of QFutureWatcher events, a thrown value that is no std::exception, and small
// list helpers. Futures and thread pools the test opens by hand are in gate.h; work started on a
// pool behind AioUtils' back is in foreignrunnable.h.

#ifndef AIOUTILS_TESTUTIL_H
#define AIOUTILS_TESTUTIL_H

#include <QtCore/qcoreapplication.h>
#include <QtCore/qcoreevent.h>
#include <QtCore/qdeadlinetimer.h>
#include <QtCore/qfuture.h>
#include <QtCore/qlist.h>
#include <QtCore/qpromise.h>
#include <QtCore/qthread.h>
#include <QtCore/qtimer.h>
#include <QtCore/qvariant.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>
#include <utility>
#include <vector>
#include <stdexcept>

namespace TestUtil {

// How long (ms) a blocked task or one of a test's waits may take at most: generous, the suite runs
// under sanitizers on 2 cores. Reached only when a test fails.
constexpr int Patience = 30000;

// Counts the QFutureWatcher events the application's thread receives (QEvent::FutureCallOut)
// while it lives: what following a future costs, in posted events.
class FutureEventCounter : public QObject
{
public:
    FutureEventCounter() { QCoreApplication::instance()->installEventFilter(this); }
    int count = 0;

protected:
    bool eventFilter(QObject *, QEvent *event) override
    {
        if (event->type() == QEvent::FutureCallOut)
            ++count;
        return false;
    }
};

// Thrown by a task: a failure that is no std::exception.
struct NotAnStdException
{
};

// Raises `max` to at least `value`.
inline void raiseTo(std::atomic<int> &max, int value)
{
    int seen = max.load();
    while (value > seen && !max.compare_exchange_weak(seen, value)) { }
}

// The ints in `values`, sorted: results whose order does not matter.
inline QList<int> sortedInts(const QVariantList &values)
{
    QList<int> ints;
    for (const QVariant &value : values)
        ints << value.toInt();
    std::sort(ints.begin(), ints.end());
    return ints;
}

// A single-shot timer on the calling thread. On the main thread it is owned by the application,
// so timers a test leaves pending (a 60 s delay it cancels) are freed at exit, not leaked.
inline QTimer *timerOnThisThread(int ms)
{
    QCoreApplication *app = QCoreApplication::instance();
    auto *timer = new QTimer(app && app->thread() == QThread::currentThread() ? app : nullptr);
    timer->setSingleShot(true);
    timer->setTimerType(Qt::PreciseTimer);
    timer->setInterval(ms);
    return timer;
}

// A future that finishes with `value` after `ms` milliseconds, timed on the calling thread's
// event loop (the thread must spin events: Group::join() does).
template<typename T> QFuture<T> delayed(int ms, T value)
{
    auto promise = std::make_shared<QPromise<T>>();
    promise->start();
    // The timer lives on the calling thread, so it fires there whichever thread that is.
    auto *timer = timerOnThisThread(ms);
    QObject::connect(timer, &QTimer::timeout, timer, [timer, promise, value]() mutable {
        promise->addResult(std::move(value));
        promise->finish();
        timer->deleteLater();
    });
    timer->start();
    return promise->future();
}

// The same, for tasks without a value.
inline QFuture<void> delayed(int ms)
{
    auto promise = std::make_shared<QPromise<void>>();
    promise->start();
    auto *timer = timerOnThisThread(ms);
    QObject::connect(timer, &QTimer::timeout, timer, [timer, promise] {
        promise->finish();
        timer->deleteLater();
    });
    timer->start();
    return promise->future();
}

// A future that fails with std::runtime_error(message) after `ms` milliseconds.
inline QFuture<int> failingAfter(int ms, const char *message)
{
    auto promise = std::make_shared<QPromise<int>>();
    promise->start();
    auto *timer = timerOnThisThread(ms);
    QObject::connect(timer, &QTimer::timeout, timer, [timer, promise, message] {
        promise->setException(std::make_exception_ptr(std::runtime_error(message)));
        promise->finish();
        timer->deleteLater();
    });
    timer->start();
    return promise->future();
}

// Joins the threads it holds when it goes, so that a failed check cannot leave a joinable
// std::thread behind (std::terminate).
class Threads
{
public:
    Threads() = default;
    Threads(const Threads &) = delete;
    Threads &operator=(const Threads &) = delete;
    ~Threads() { joinAll(); }

    template<typename F> void start(F &&f) { m_threads.emplace_back(std::forward<F>(f)); }
    void joinAll()
    {
        for (std::thread &thread : m_threads) {
            if (thread.joinable())
                thread.join();
        }
    }

private:
    std::vector<std::thread> m_threads;
};

// Lets posted wake-ups and whatever they start run, for checks that something did NOT happen.
inline void settle()
{
    for (int i = 0; i < 3; ++i) {
        QCoreApplication::sendPostedEvents();
        QCoreApplication::processEvents();
    }
}

// For a test that runs inside a loop spinning on the group's thread (a join() or next()): waits
// until `reported()` says a worker thread has reported a task's end to the group (its counters
// change, and the wake-up that hands the end to the group's thread is posted, under one lock),
// then posts `work` to `context` behind that wake-up, so that one pass of the event loop handles
// both, in that order.
template<typename Reported, typename Work>
void postBehindReport(QObject *context, Reported reported, Work work)
{
    const QDeadlineTimer limit(10000);
    while (!reported() && !limit.hasExpired())
        std::this_thread::yield();
    QMetaObject::invokeMethod(context, std::move(work), Qt::QueuedConnection);
}

// 0, 1, ..., count - 1.
inline QList<int> range(int count)
{
    QList<int> values;
    for (int i = 0; i < count; ++i)
        values << i;
    return values;
}

} // namespace TestUtil

#endif
