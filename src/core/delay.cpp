// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// delay(): futures the library finishes itself when their time comes. One Sleeper a thread (a
// QObject with one timer, set for the earliest delay) keeps them in due order; a delay is a
// DirectWork, so a task that returns it is ended by it, with no QFutureWatcher.

#include <AioUtils/delay.h>
#include <AioUtils/detail/follow.h>
#include <AioUtils/detail/listener.h>

#include <QtCore/qbasictimer.h>
#include <QtCore/qcoreapplication.h>
#include <QtCore/qcoreevent.h>
#include <QtCore/qfuturewatcher.h>
#include <QtCore/qlogging.h>
#include <QtCore/qpointer.h>
#include <QtCore/qpromise.h>
#include <QtCore/qthread.h>

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <vector>

namespace AioUtils {

namespace {

using Clock = std::chrono::steady_clock;

// A delay at least this long hears a cancel at once, through a watcher of its own; a shorter one
// finishes (canceled) when it is due, which is as soon, and costs no QObject.
constexpr std::chrono::milliseconds Prompt(50);

class DelayWork;
using DueMap = std::multimap<Clock::time_point, DelayWork *>;

class DelayWork final : public detail::DirectWork
{
public:
    explicit DelayWork(QPromise<void> promise)
        : DirectWork(QFuture<void>(promise.future())), m_promise(std::move(promise))
    {
    }
    QFuture<void> future() const { return m_promise.future(); }

    // Finishes the future (canceled, if it was), frees this, then ends the task that follows it:
    // nothing of this is touched after it.
    void end()
    {
        m_watcher.reset(); // deaf: no event for the end
        m_promise.finish();
        detail::DirectFollow *const follow = takeFollow();
        delete this;
        workFinished(follow);
    }

    QPromise<void> m_promise;
    DueMap::iterator m_at;                       // its place, or the map's end() once out
    std::unique_ptr<detail::Listener> m_watcher; // a long delay's: hears a cancel
};

// The delays of one thread, due first first.
class Sleeper final : public QObject
{
public:
    // This thread's, made on first use: a child of the application on its thread, else deleted
    // as its QThread finishes.
    static Sleeper *ofThisThread()
    {
        static thread_local QPointer<Sleeper> sleeper;
        if (!sleeper) {
            auto *made = new Sleeper;
            QCoreApplication *const app = QCoreApplication::instance();
            QThread *const thread = QThread::currentThread();
            if (app && app->thread() == thread)
                made->setParent(app);
            else
                connect(
                        thread, &QThread::finished, made, [made] { delete made; },
                        Qt::DirectConnection);
            sleeper = made;
        }
        return sleeper;
    }

    ~Sleeper() override
    {
        // Still due: their promises, destroyed unfinished, cancel their futures.
        DueMap due;
        due.swap(m_due);
        for (auto &[at, work] : due)
            delete work;
    }

    QFuture<void> add(std::chrono::milliseconds duration)
    {
        QPromise<void> promise; // started once its watcher, if any, listens
        const QFuture<void> future = promise.future();
        // Made by a task: canceling the task cancels the delay.
        detail::linkToCurrentTask(future);
        auto *const work = new DelayWork(std::move(promise));
        if (duration >= Prompt) {
            work->m_watcher = std::make_unique<detail::Listener>(future, nullptr);
            connect(work->m_watcher.get(), &QFutureWatcherBase::canceled, this,
                    [this, work] { cancel(work); });
            work->m_watcher->listen();
        }
        work->m_promise.start();
        work->m_at = m_due.emplace(Clock::now() + duration, work);
        arm();
        return future;
    }

protected:
    void timerEvent(QTimerEvent *event) override
    {
        if (event->timerId() != m_timer.timerId()) {
            QObject::timerEvent(event);
            return;
        }
        m_timer.stop();
        // All that are due leave the map first: ending one runs user code (the next task
        // starts), which may add delays, or spin an event loop in which a cancel comes.
        std::vector<DelayWork *> due;
        const Clock::time_point now = Clock::now();
        while (!m_due.empty() && m_due.begin()->first <= now) {
            DelayWork *const work = m_due.begin()->second;
            m_due.erase(m_due.begin());
            work->m_at = m_due.end();
            due.push_back(work);
        }
        arm();
        const QPointer<Sleeper> alive(this);
        for (std::size_t i = 0; i < due.size(); ++i) {
            if (!alive) {
                // User code deleted the application: the rest are canceled with their promises.
                for (std::size_t k = i; k < due.size(); ++k)
                    delete due[k];
                return;
            }
            due[i]->end();
        }
    }

private:
    void cancel(DelayWork *work)
    {
        if (work->m_at == m_due.end())
            return; // out already: it ends in timerEvent()
        m_due.erase(std::exchange(work->m_at, m_due.end()));
        arm();
        work->end();
    }

    // The timer is set for the earliest delay (stopped when there is none).
    void arm()
    {
        if (m_due.empty()) {
            m_timer.stop();
            return;
        }
        const Clock::time_point first = m_due.begin()->first;
        if (m_timer.isActive() && first == m_armedFor)
            return;
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(
                std::max(first - Clock::now(), Clock::duration::zero()));
        m_armedFor = first;
        // Precise: a 1 ms delay is not stretched to the 5 % slack of a coarse timer.
        m_timer.start(int(std::min<qint64>(left.count(), std::numeric_limits<int>::max())),
                      Qt::PreciseTimer, this);
    }

    DueMap m_due;
    QBasicTimer m_timer;
    Clock::time_point m_armedFor;
};

} // namespace

/*!
    Returns a future that finishes \a duration from now: the building block of backoff, polling
    and timeouts of your own, as \c asyncio.sleep() is in Python. As the task of a group,
    \c{group.spawn(AioUtils::delay, 200ms)} or a callable that returns it, it is followed by the
    group without a QFutureWatcher: the delay ends its task itself when it is due.

    Canceling the future (directly, or by canceling the task that made it or returns it) ends a
    delay of 50 ms or more at once; a shorter one finishes, canceled, when it is due. A negative
    \a duration is a warning and means 0; a delay of 0 finishes on the next turn of the event
    loop.

    Call it on a thread with a running event loop (as for a QTimer); the future finishes on that
    thread. The delays of a thread share one timer, set for the earliest.
*/
QFuture<void> delay(std::chrono::milliseconds duration)
{
    if (duration.count() < 0) {
        qWarning("AioUtils: delay(): %lld ms is negative; it means 0",
                 static_cast<long long>(duration.count()));
        duration = std::chrono::milliseconds(0);
    }
    return Sleeper::ofThisThread()->add(duration);
}

} // namespace AioUtils
