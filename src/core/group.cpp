// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// GroupPrivate (the group's thread: draining, waiting) and Group (the public class).

#include "futures_p.h"
#include "group_p.h"
#include "threadpoolfeed_p.h"
#include "tsan_p.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qeventloop.h>
#include <QtCore/qexception.h>
#include <QtCore/qfuturewatcher.h>
#include <QtCore/qlogging.h>
#include <QtCore/qpointer.h>
#include <QtCore/qscopeguard.h>
#include <QtCore/qthread.h>
#include <QtCore/qthreadpool.h>
#include <QtCore/qtimer.h>
#include <QtCore/qvarlengtharray.h>

#include <algorithm>

namespace AioUtils {

// ---------------------------------------------------------------------------------------------
// GroupPrivate

GroupPrivate::GroupPrivate(Group *group) : q_ptr(group), core(detail::GroupCore::create(group)) { }

GroupPrivate::~GroupPrivate() = default;

void GroupPrivate::startQueued()
{
    core->pump();
}

void GroupPrivate::drain()
{
    Q_Q(Group);
    // Starting work and emitting results run user code, which may delete the group.
    const QPointer<Group> alive(q);
    ++drainDepth;
    const auto left = qScopeGuard([this, &alive] {
        if (alive)
            --drainDepth;
    });
    {
        std::lock_guard lock(core->mutex);
        core->wokenLocked();
    }
    core->watchPendingFollowers();
    startQueued();
    if (!alive)
        return;
    deliver();
    if (!alive)
        return;
    serveResults();
    if (!alive)
        return;
    const bool emitted = emissionsDone();

    detail::GroupCore::Notices notices;
    // Seen in the same critical section as the round's end, as join() sees it: a slot of
    // finished() may begin the next round.
    std::optional<detail::GroupCore::RoundEnd> ended;
    {
        std::lock_guard lock(core->mutex);
        notices = core->takeNoticesLocked(emitted);
        if (waitsForRoundEnd() && core->drainedLocked())
            ended = core->roundEndLocked();
    }
    for (detail::Job *job : notices.dropped)
        delete job; // its caller's future finished when it was dropped
    if (taskModel && (notices.modelLimit || notices.tracked)) {
        // Views hear of the rows before the signals: a slot of countsChanged sees them.
        if (notices.modelLimit)
            taskModel->setLimit(*notices.modelLimit);
        if (notices.tracked)
            taskModel->apply(std::move(*notices.tracked));
        if (!alive)
            return;
    }

    for (const std::exception_ptr &taskFailure : notices.failures) {
        // what() is user code: never under the lock.
        Q_EMIT q->taskFailed(detail::failureMessage(taskFailure));
        if (!alive)
            return;
    }
    if (notices.timerDue)
        startDeadlineTimer(*notices.timerDue);
    if (notices.countsChanged)
        Q_EMIT q->countsChanged();
    if (alive && notices.idleChanged)
        Q_EMIT q->idleChanged();
    if (std::optional<QPromise<void>> &promise = notices.promise) {
        if (notices.failure)
            promise->setException(notices.failure);
        else if (notices.canceled)
            promise->future().cancel();
        promise->finish();
    }
    if (alive && notices.roundEnded)
        Q_EMIT q->finished();
    if (alive && (ended || hasSlotWaiters.load(std::memory_order_relaxed)))
        settleWaiting(ended);
    if (alive && !drainWatchers.empty()) {
        {
            // What the slots changed, for the waits on this thread. (Those on other threads
            // check for themselves whenever a change notifies them; one the offer ends wakes.)
            std::lock_guard lock(core->mutex);
            if (core->offerLocked())
                core->changed.notify_all();
        }
        // Copied: a watcher's loop may end and unregister while we call the others. (Rarely
        // more than one: nested waits.)
        const QVarLengthArray<std::function<void()> *, 4> watchers(drainWatchers.begin(),
                                                                   drainWatchers.end());
        for (std::function<void()> *watcher : watchers) {
            if (std::find(drainWatchers.begin(), drainWatchers.end(), watcher)
                != drainWatchers.end())
                (*watcher)();
        }
    }
}

void GroupPrivate::settleWaiting(const std::optional<detail::GroupCore::RoundEnd> &)
{
    if (slotWaiters.empty())
        return;
    {
        std::lock_guard lock(core->mutex);
        core->armRateLocked(); // if the rateLimit holds it back: the timer comes when it allows
        if (!core->wouldStartLocked())
            return;
    }
    // All at once, as a condition variable wakes every waiter: the first to spawn may take the
    // slot, and the others ask again. Moved out first: continuations may delete the group, or
    // ask again.
    std::vector<QPromise<void>> ready = std::exchange(slotWaiters, {});
    hasSlotWaiters.store(false, std::memory_order_relaxed);
    for (QPromise<void> &promise : ready)
        promise.finish();
}

void GroupPrivate::slotMayBeFree()
{
    if (!hasSlotWaiters.load(std::memory_order_relaxed))
        return;
    std::lock_guard lock(core->mutex);
    core->wakeLocked();
}

void GroupPrivate::abandonWaiting()
{
    hasSlotWaiters.store(false, std::memory_order_relaxed);
    detail::cancelLater(std::exchange(slotWaiters, {}));
}

void GroupPrivate::startDeadlineTimer(std::chrono::steady_clock::time_point due)
{
    Q_Q(Group);
    if (!deadlineTimer) {
        deadlineTimer = new QTimer(q);
        deadlineTimer->setSingleShot(true);
        deadlineTimer->setTimerType(Qt::PreciseTimer);
        QObject::connect(deadlineTimer, &QTimer::timeout, q, [this] { expireDeadlines(); });
    }
    // Rounded up: a timer that fires a little early finds nothing due, and is set again.
    const auto left =
            std::chrono::ceil<std::chrono::milliseconds>(due - std::chrono::steady_clock::now());
    deadlineTimer->start(std::max(left, std::chrono::milliseconds(0)));
}

void GroupPrivate::expireDeadlines()
{
    Q_Q(Group);
    detail::GroupCore::Aftermath after;
    {
        std::lock_guard lock(core->mutex);
        core->expireLocked(after);
    }
    // The aftermath cancels the timed-out tasks' work, whose continuations may delete the group.
    const QPointer<Group> alive(q);
    after.run();
    if (alive)
        drain();
}

bool GroupPrivate::waitUntil(std::function<bool(detail::GroupCore &)> take, QDeadlineTimer deadline,
                             bool freshDrain)
{
    Q_Q(Group);
    const std::shared_ptr<detail::GroupCore> c = core;
    detail::GroupCore::Waiter waiter { std::move(take) };
    const auto unregister = [&c, &waiter] { c->removeWaiterLocked(&waiter); };
    if (!c->onGroupThread()) {
        std::unique_lock lock(c->mutex.native());
        c->addWaiterLocked(&waiter);
        // A drain on the group's thread may have made it done meanwhile.
        const auto predicate = [&c, &waiter] {
            if (!waiter.done)
                waiter.done = waiter.take(*c);
            return waiter.done;
        };
        if (deadline.isForever())
            c->changed.wait(lock, predicate);
        else
            c->changed.wait_until(lock, deadline.deadline<std::chrono::steady_clock>(), predicate);
        unregister();
        return waiter.done;
    }

    {
        std::lock_guard lock(c->mutex);
        if (waiter.take(*c))
            return true;
        if (deadline.hasExpired())
            return false;
        c->addWaiterLocked(&waiter);
        // We may be inside a drain (a slot of resultReady or countsChanged) that has not yet
        // ended a round that is over: a fresh drain must come to decide it.
        if (freshDrain)
            c->wakeLocked();
    }

    QEventLoop loop;
    std::function<void()> quitWhenDone = [&loop, &waiter] {
        if (waiter.done) // written by a drain, on this thread
            loop.quit();
    };
    drainWatchers.push_back(&quitWhenDone);
    // Unregistered however the loop ends: an exception thrown by a slot passes through exec().
    const auto unregisterAll =
            qScopeGuard([this, &c, &quitWhenDone, &unregister, alive = QPointer<Group>(q)] {
                // A task may have destroyed the group while the loop ran.
                if (alive)
                    drainWatchers.erase(
                            std::find(drainWatchers.begin(), drainWatchers.end(), &quitWhenDone));
                std::lock_guard lock(c->mutex);
                unregister();
            });
    QObject::connect(q, &QObject::destroyed, &loop, &QEventLoop::quit);
    QTimer timer;
    if (!deadline.isForever()) {
        timer.setSingleShot(true);
        timer.setTimerType(Qt::PreciseTimer);
        QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
        timer.start(std::max<qint64>(0, deadline.remainingTime()));
    }
    loop.exec();
    // The deadline, or the group's end, came first: the state as it is now decides. (`c` kept
    // the state alive.)
    std::lock_guard lock(c->mutex);
    if (!waiter.done)
        waiter.done = waiter.take(*c);
    return waiter.done;
}

// ---------------------------------------------------------------------------------------------
// Group

/*!
    \class AioUtils::Group
    \inmodule AioUtils
    \brief Spawns tasks and joins them all later, even when tasks spawn more tasks.

    A group belongs to the thread it is created in. Creating it makes sure that thread has an
    event dispatcher, so a group works in a thread not started by QThread too.
*/
Group::Group(QObject *parent) : Group(std::make_unique<GroupPrivate>(this), parent) { }

Group::Group(std::unique_ptr<GroupPrivate> dd, QObject *parent)
    : QObject(parent), d_ptr(std::move(dd))
{
    // QEventLoop's constructor gives the current thread an event dispatcher if it has none yet
    // (a std::thread), so posted wake-ups and the tasks' timers and sockets work there.
    if (!QThread::currentThread()->eventDispatcher() && QCoreApplication::instance()) {
        QEventLoop ensureDispatcher;
    }
}

/*!
    Cancels queued and running tasks; never blocks. Tasks that end later find the group gone and
    do nothing.
*/
Group::~Group()
{
    Q_D(Group);
    d->abandonWaiting();
    detail::GroupCore::Aftermath after;
    std::optional<QPromise<void>> promise;
    {
        std::lock_guard lock(d->core->mutex);
        promise = d->core->detachLocked(after);
    }
    after.run();
    d->core->dropDirectFollows();
    // promise: QPromise's destructor cancels and finishes what joined() handed out.
}

/*!
    \fn template <typename T> QFuture<T> AioUtils::Group::spawn(QFuture<T> future)
    Adopts \a future, work that is already running, and returns it. It counts as running at once,
    whatever maxConcurrency says. A default-constructed future counts as a canceled task.
*/

// A QDoc \fn line is one line, however long.
// clang-format off
/*!
    \fn template <typename F, typename... Args, typename> auto AioUtils::Group::spawn(F &&f, Args &&...args)
    Stores f(args...) and starts it when a slot is free, in spawn order. If \a f returns
    QFuture<R>, it is called on the group's thread and the task ends when that future does;
    otherwise it runs on QThreadPool::globalInstance(). Returns the task's QFuture<R>; canceling
    it before the task started means the task never starts. Thread-safe.

    As with QtConcurrent::run(), \a f may take a QPromise<R> & first and return void:
    f(promise, args...) runs on the thread pool, and the promise is the task's future. Through it
    the work sees that the task was canceled (QPromise::isCanceled(): by the future, cancel(),
    taskTimeout, the group's end), reports progress (seen on the future), and adds any number of
    results, each one a result of the task (in order in a Bag).

    Canceling a running task's future cancels the work it linked (see AioUtils::link()); for
    future-returning work started from the queue, it cancels the work's future too, and the
    caller's future finishes at once.

    The future of a thread-pool task is started (QFuture::isStarted()) from spawn() on, as
    QtConcurrent::run()'s is. The future of future-returning work that waits in the queue
    starts when the work is called; started at once, the task's future is the work's own.
*/

/*!
    \fn template <typename T> QFuture<T> AioUtils::link(QFuture<T> future)
    \relates AioUtils::Group
    Called while a task of a group runs (its synchronous part: inside the callable, on whichever
    thread runs it), ties \a future to that task and returns it: every way of canceling the task
    (its own future, Group::cancel(), CancelOnFailure, leaving yielding() early, taskTimeout,
    destroying the group) cancels \a future too, and so does the task's failure. A task that
    succeeds leaves what it linked running. Outside a task, and for a finished or
    default-constructed future, it returns \a future and does nothing else. A future linked to a
    task that is already canceled is canceled at once. fetch() and toFuture() link their
    requests themselves.
    \code
    pool.spawn([&] {
        QFuture<Raw> raw = AioUtils::link(QtConcurrent::run(load, path));
        return raw.then(summarize);   // canceling the task cancels both
    });
    \endcode
*/

/*!
    \fn template <typename F, typename... Args, typename> void AioUtils::Group::post(F &&f, Args &&...args)
    Like spawn(), without a future for the caller: \a f is called with \a args, fire and
    forget. The task is queued, limited, counted and joined like any other; a failure is counted,
    signaled with taskFailed() and rethrown by join(); a Bag keeps its result. cancel() drops it
    while it is queued, and skips it if it has not begun to run; work already running cannot be
    interrupted: its end no longer counts, but a failure it throws is still recorded (failures()),
    counted and signaled. A queued posted task costs about 140 bytes, where a
    spawned one holds its QFuture's shared state from the start (about 600 bytes in all).
    Thread-safe.
*/

/*!
    \fn template <typename F, typename... Args, typename> auto AioUtils::Group::spawn(const AioUtils::Key &key, F &&f, Args &&...args)
    A keyed task: like spawn(f, args...), under the group's per-key rules for \a key. At most
    limitPerKey tasks of one key run at once, and at most rateLimitPerKey of them start per
    second; a task its key holds back waits in its key's line, in spawn order, while tasks of
    other keys (and unkeyed ones) queued behind it start as slots free up: no head-of-line
    blocking. In an OrderedBag, results still come in spawn order across keys. An empty \a key
    is no key: the task is an unkeyed one. Thread-safe.

    Scheduling costs O(1) per task whatever the number of keys and queued tasks (no scan of the
    queue); a group that never had a keyed task pays nothing for them.
    \code
    pool.setLimitPerKey(2); // polite to each host
    for (const QUrl &url : urls)
        pool.spawn(AioUtils::Key::host(url), AioUtils::fetch, &nam, QNetworkRequest(url));
    \endcode
*/

/*!
    \fn template <typename F, typename... Args, typename> void AioUtils::Group::post(const AioUtils::Key &key, F &&f, Args &&...args)
    A keyed posted task: like post(f, args...), under the group's per-key rules for \a key (see
    spawn(const AioUtils::Key &key, F &&f, Args &&...args)).
*/

/*!
    \fn template <typename F, typename... Args, typename> auto AioUtils::Group::spawnOnce(const AioUtils::Key &key, F &&f, Args &&...args)
    Single flight: if a task of \a key that was spawned (not posted) is queued or running in
    this group, returns its future, and \a f is not called; else spawns \a f called with
    \a args, as spawn(key, f, args...) does. Many views asking for one thumbnail make one request. The task
    found must have the same result type: one of another type is a programming error, which
    warns naming the key and spawns a new task. A task whose future was canceled no longer
    counts. An empty \a key is no key: every call spawns. Thread-safe.
*/

/*!
    \fn template <typename F, typename... Args, typename> auto AioUtils::Group::spawnLatest(const AioUtils::Key &key, F &&f, Args &&...args)
    Latest wins: cancels every queued or running task of \a key, then spawns \a f called with
    \a args, as spawn(key, f, args...) does. Queued ones never start (their futures are canceled now, and
    count as finished); running ones are canceled through their futures, with the work they
    linked (a fetch() or request() is aborted), and end as canceled when their work stops
    (thread-pool work already running cannot be interrupted, as with cancel()). For type-ahead
    search: only the last query's request runs on. Thread-safe.
*/
// clang-format on

detail::TaskLink Group::adopt()
{
    Q_D(Group);
    std::lock_guard lock(d->core->mutex);
    return d->core->adoptLocked();
}

void Group::adoptFinished(detail::Outcome outcome, std::exception_ptr failure,
                          detail::TaskResults results)
{
    Q_D(Group);
    detail::GroupCore::Aftermath after;
    {
        std::lock_guard lock(d->core->mutex);
        d->core->adoptFinishedLocked(outcome, std::move(failure), std::move(results), after);
    }
    after.run();
}

bool Group::collectsResults() const noexcept
{
    return d_func()->core->keepsResults();
}

detail::TaskLink Group::reserve(bool needsGroupThread, const detail::CallerFuture *cancelHandle)
{
    Q_D(Group);
    std::unique_ptr<detail::TaskTiming> spare;
    if (!needsGroupThread)
        spare = d->core->spareTiming();
    std::vector<std::unique_ptr<detail::Job>> ran; // freed after the lock
    std::lock_guard lock(d->core->mutex);
    ran = d->core->takeRanJobsLocked();
    return d->core->reserveLocked(needsGroupThread, cancelHandle, spare);
}

void Group::enqueue(detail::Job *job)
{
    Q_D(Group);
    bool startable;
    std::vector<std::unique_ptr<detail::Job>> ran;
    {
        std::lock_guard lock(d->core->mutex);
        ran = d->core->takeRanJobsLocked();
        startable = d->core->enqueueLocked(job);
    }
    // Queued behind others, or on a thread that may not start it, yet the front may start (tasks
    // may have ended meanwhile): start what can start here, so thread-pool work never waits for the
    // group's thread. Work that needs that thread is left to the drain the pump wakes.
    if (startable)
        d->core->pump();
}

void Group::enqueueKeyed(detail::Job *job, detail::KeyedSpawn &keyed)
{
    Q_D(Group);
    const std::shared_ptr<detail::GroupCore> core = d->core;
    std::unique_ptr<detail::TaskTiming> spare;
    if (!job->needsGroupThread())
        spare = core->spareTiming();
    detail::GroupCore::Aftermath after;
    detail::TaskLink link;
    bool startable;
    {
        std::lock_guard lock(core->mutex);
        startable = core->submitKeyedLocked(job, keyed, link, after, spare);
    }
    if (keyed.typeMismatch)
        qWarning("AioUtils::Group::spawnOnce: the task of key \"%s\" has another result type; "
                 "spawning a new task",
                 qUtf8Printable(keyed.key));
    // spawnLatest(): the key's tasks are canceled before the new one starts. (Nothing else
    // leaves an aftermath.)
    Q_ASSERT(keyed.mode == detail::KeyMode::Latest
             || (after.toCancel.empty() && after.toDelete.empty() && after.toFinish.empty()));
    if (keyed.mode == detail::KeyMode::Latest)
        after.run();
    if (keyed.existing) {
        delete job; // spawnOnce() found the key's task
        return;
    }
    if (link)
        job->start(std::move(link));
    else if (startable)
        core->pump();
}

/*!
    Waits until the group is idle: nothing queued or running, including tasks spawned by tasks.
    On the group's thread it spins a local event loop; on another thread it blocks. Returns false
    if \a deadline passes first. If a task failed in the round, rethrows its first failure and
    clears it. The round that ends is the one join() waited for: a next round that begins right
    after (a slot of finished() that spawns) does not keep it waiting, nor take that failure away.
    Called from inside one of the group's own tasks, it warns and returns false.

    A failure thrown after the round ended by thread-pool work that was canceled with it is
    recorded in that round (see failures()): a later join() on the idle group rethrows it.
*/
bool Group::join(QDeadlineTimer deadline)
{
    Q_D(Group);
    if (detail::GroupCore::isInsideTask(d->core.get())) {
        qWarning("AioUtils::Group::join: called from inside one of the group's own tasks, which "
                 "would wait for itself; returning false");
        return false;
    }
    // The round's failure is noted at the moment the round is seen to end: a next round that
    // begins right after (a slot of finished() spawning) clears firstFailure.
    const std::shared_ptr<detail::GroupCore> core = d->core;
    detail::GroupCore::RoundEnd end;
    const auto roundEnded = [&end](detail::GroupCore &c) {
        if (!c.isIdleLocked())
            return false;
        end = c.roundEndLocked();
        return true;
    };
    if (!d->waitUntil(roundEnded, deadline))
        return false;
    std::exception_ptr failure;
    {
        std::lock_guard lock(core->mutex);
        failure = core->claimLocked(end);
    }
    if (failure)
        std::rethrow_exception(failure);
    return true;
}

/*!
    Returns a future that finishes when the current round ends, carrying the round's first failure,
    or canceled if the round was canceled. For an idle group it is finished already.
*/
QFuture<void> Group::joined()
{
    Q_D(Group);
    std::lock_guard lock(d->core->mutex);
    return d->core->joinedLocked();
}

/*!
    Returns a future that finishes when a task spawned now would start at once: at once for a
    group without a limit, or when nothing is queued and a slot is free (see maxConcurrency), the
    group is not paused, and a Bag's buffer is below its bufferLimit. Nothing waits for it: use it
    with \c{.then(context, ...)} or \c co_await, where Pool::waitAvailable() would spin a nested
    event loop. When a slot frees, every pending future finishes at once; the first caller to
    spawn takes the slot, so a producer that competes with others asks again before spawning.
    Destroying the group cancels pending futures, from the event loop once the group is gone.
    Call it on the group's thread: from another thread it warns and returns a canceled future.
    \code
    // Spawns one download per free slot, never more: the rest of the list waits here, not in
    // the pool's queue.
    void Downloader::feed()
    {
        while (!m_urls.isEmpty()) {
            QFuture<void> free = m_pool->slotAvailable();
            if (!free.isFinished()) {
                free.then(this, [this] { feed(); });
                return;
            }
            m_pool->spawn(download, m_urls.takeFirst());
        }
    }
    \endcode
*/
QFuture<void> Group::slotAvailable()
{
    Q_D(Group);
    if (!d->core->onGroupThread()) {
        qWarning("AioUtils::Group::slotAvailable: called from another thread than the group's; "
                 "returning a canceled future");
        return detail::canceledFuture<void>();
    }
    {
        std::lock_guard lock(d->core->mutex);
        d->core->armRateLocked(); // if the rateLimit holds it back: the timer comes then
        if (d->core->wouldStartLocked())
            return detail::readyFuture();
    }
    QPromise<void> promise;
    promise.start();
    QFuture<void> future = promise.future();
    // Those whose callers gave up (canceled) go now, not when a slot frees.
    detail::dropCanceled(d->slotWaiters);
    d->slotWaiters.push_back(std::move(promise));
    d->hasSlotWaiters.store(true, std::memory_order_relaxed);
    return future;
}

/*!
    The first failure of the current (or last) round, until join() rethrows it.
    \sa failures()
*/
std::exception_ptr Group::firstFailure() const
{
    Q_D(const Group);
    std::lock_guard lock(d->core->mutex);
    return d->core->firstFailureLocked();
}

/*!
    Every failure of the current (or last) round, in the order they happened; firstFailure() is
    the first. Nothing user work throws is dropped: under CancelOnFailure, a task that fails after
    the first failure canceled the round (thread-pool work that was running) is recorded here,
    counted in failedCount and signaled with taskFailed() like any other; so is one that fails
    after cancel(). The record is one with firstFailure(): a join() (or the end of a Bag's results)
    that rethrows clears both, and a new round starts with both empty. A failure that arrives
    after a new round began, or after new work was spawned into the canceled round, belongs to no
    round: it is signaled only. Each failure is kept until join() or the next round: a group that
    never becomes idle and keeps failing keeps them all.
*/
QList<std::exception_ptr> Group::failures() const
{
    Q_D(const Group);
    std::lock_guard lock(d->core->mutex);
    return d->core->failuresLocked();
}

/*!
    Cancels the round: queued tasks never start, running futures get cancel(), and the round ends
    at once with every task accounted for. Not a failure; the group stays usable.

    When a task that failed on another thread has just canceled the round itself (CancelOnFailure)
    and that thread is still destroying the round's jobs, cancel() waits for it, 250 ms at most
    (what it runs is user code: continuations of the canceled futures); past that, the round ends
    as soon as that thread is done.
*/
void Group::cancel()
{
    Q_D(Group);
    const std::shared_ptr<detail::GroupCore> core = d->core;
    detail::GroupCore::Aftermath after;
    {
        std::lock_guard lock(core->mutex);
        if (core->isIdleLocked())
            return;
        core->cancelLocked(after);
    }
    // The aftermath runs continuations of the canceled futures, which may delete this group.
    const QPointer<Group> alive(this);
    after.run();
    {
        // A task that failed on a worker thread under CancelOnFailure may have canceled the round
        // a moment ago and still be destroying its jobs: the round ends once it has.
        std::unique_lock lock(core->mutex.native());
        core->waitForSettlesLocked(lock);
    }
    if (alive && core->onGroupThread())
        d->drain();
}

void Group::customEvent(QEvent *event)
{
    AIOUTILS_HANDOVER_ACQUIRE(event);
    if (event->type() == detail::wakeEventType()) {
        d_func()->drain();
        return;
    }
    QObject::customEvent(event);
}

int Group::maxConcurrency() const
{
    Q_D(const Group);
    std::lock_guard lock(d->core->mutex);
    return d->core->maxConcurrencyLocked();
}

/*!
    Sets how many tasks may run at once to \a limit; 0 means unlimited. A negative value warns
    and means 0. Raising the limit starts queued tasks at once.
*/
void Group::setMaxConcurrency(int limit)
{
    Q_D(Group);
    if (limit < 0) {
        qWarning("AioUtils::Group::setMaxConcurrency: %d is negative; using 0 (unlimited)", limit);
        limit = 0;
    }
    {
        std::lock_guard lock(d->core->mutex);
        const int minimum = d->core->minimumConcurrencyLocked();
        if (limit < minimum)
            qWarning("AioUtils::Group::setMaxConcurrency: %d is below this Pool's minimum size "
                     "%d; using %d",
                     limit, minimum, minimum);
        if (!d->core->setMaxConcurrencyLocked(limit))
            return;
    }
    Q_EMIT maxConcurrencyChanged();
    d->startQueued();
}

Group::FailurePolicy Group::failurePolicy() const
{
    Q_D(const Group);
    std::lock_guard lock(d->core->mutex);
    return d->core->policyLocked();
}

void Group::setFailurePolicy(FailurePolicy policy)
{
    Q_D(Group);
    {
        std::lock_guard lock(d->core->mutex);
        if (!d->core->setPolicyLocked(policy))
            return;
    }
    Q_EMIT failurePolicyChanged();
}

bool Group::isPaused() const
{
    Q_D(const Group);
    std::lock_guard lock(d->core->mutex);
    return d->core->isPausedLocked();
}

/*!
    Pauses the group when \a paused is true (for instance while the network is offline or
    metered, or the application is in the background): no queued task starts, while running ones
    go on and new ones queue. Adopted futures, running already, still count at once. join() on a
    paused group with queued work waits until its deadline; it does not resume the group.
    Resuming starts queued tasks at once. Thread-safe; pausedChanged() is emitted on the calling
    thread.
*/
void Group::setPaused(bool paused)
{
    Q_D(Group);
    {
        std::lock_guard lock(d->core->mutex);
        if (!d->core->setPausedLocked(paused))
            return;
    }
    Q_EMIT pausedChanged();
    if (!paused)
        d->startQueued();
}

int Group::taskTimeout() const
{
    Q_D(const Group);
    std::lock_guard lock(d->core->mutex);
    return d->core->taskTimeoutLocked();
}

/*!
    Sets how long, in milliseconds, a task may run to \a ms; 0 (the default) means no limit. A task
   still running that long after it started is canceled, with everything linked to it (see
    AioUtils::link()), and fails with TimeoutError: counted in failedCount, signaled with
    taskFailed(), recorded in failures() and rethrown by join(), and under CancelOnFailure it
    cancels the round. Time spent queued (waiting for a slot, for a paused group, or for a
    thread of the pool) does not count: a thread-pool callable's clock starts when a thread
    begins to run it, future-returning work's when it is called, an adopted future's when it is
    adopted. A task whose future the group made (spawn() of a callable that runs on a thread
    pool, or queued future-returning work) finishes with TimeoutError in that future; an adopted
    future, or the one future-returning work gave when it started at once, is canceled; so is the
    future of a callable taking QPromise<T> & with a result type, which may hold results already
    (Qt cannot keep an exception next to results). A thread-pool callable cannot be stopped: it
    sees the cancellation through a QPromise it takes, and what it returns or throws later no
    longer counts (a failure is still signaled and recorded in failures()).

    A change applies to tasks that start afterwards. A negative value warns and means 0. All
    deadlines share one timer on the group's thread, so a timeout costs no QTimer per task.
*/
void Group::setTaskTimeout(int ms)
{
    Q_D(Group);
    if (ms < 0) {
        qWarning("AioUtils::Group::setTaskTimeout: taskTimeout %d is negative; using 0 (none)", ms);
        ms = 0;
    }
    {
        std::lock_guard lock(d->core->mutex);
        if (!d->core->setTaskTimeoutLocked(ms))
            return;
    }
    Q_EMIT taskTimeoutChanged();
}

int Group::limitPerKey() const
{
    Q_D(const Group);
    std::lock_guard lock(d->core->mutex);
    return d->core->limitPerKeyLocked();
}

/*!
    Sets how many tasks of one key may run at once to \a limit; 0 (the default) means no limit.
    A negative value warns and means 0. Raising it starts held-back tasks at once; lowering it
    stops none: the key's running tasks end as they will. A resting task (a request() waiting
    out its retry backoff) still counts for its key. Thread-safe.
*/
void Group::setLimitPerKey(int limit)
{
    Q_D(Group);
    if (limit < 0) {
        qWarning("AioUtils::Group::setLimitPerKey: limitPerKey %d is negative; using 0 (none)",
                 limit);
        limit = 0;
    }
    {
        std::lock_guard lock(d->core->mutex);
        if (!d->core->setLimitPerKeyLocked(limit))
            return;
    }
    Q_EMIT limitPerKeyChanged();
    d->startQueued();
}

qreal Group::rateLimit() const
{
    Q_D(const Group);
    std::lock_guard lock(d->core->mutex);
    return d->core->rateLimitLocked();
}

namespace {
// A rate setting: a negative value (or not a number) warns and means 0 (none); infinity is none.
qreal checkedRate(const char *setter, const char *property, qreal startsPerSecond)
{
    if (startsPerSecond >= 0)
        return qIsInf(startsPerSecond) ? 0 : startsPerSecond;
    qWarning("AioUtils::Group::%s: %s %g is %s; using 0 (none)", setter, property, startsPerSecond,
             qIsNaN(startsPerSecond) ? "not a number" : "negative");
    return 0;
}
} // namespace

/*!
    Sets how many tasks may start per second to \a startsPerSecond; 0 (the default) means no
    limit. Starts are spaced evenly, at least 1 / \a startsPerSecond seconds apart (no burst), so
    no window of one second holds more than that many. A task waiting for the rate is queued and
    holds no slot. Adopted futures, running already, and resting tasks going on are not held
    back. One timer on the group's thread serves the waits (the one of taskTimeout). A negative
    value (or not a number) warns and means 0. Thread-safe.
*/
void Group::setRateLimit(qreal startsPerSecond)
{
    Q_D(Group);
    startsPerSecond = checkedRate("setRateLimit", "rateLimit", startsPerSecond);
    {
        std::lock_guard lock(d->core->mutex);
        if (!d->core->setRateLimitLocked(startsPerSecond))
            return;
    }
    Q_EMIT rateLimitChanged();
    d->startQueued();
}

qreal Group::rateLimitPerKey() const
{
    Q_D(const Group);
    std::lock_guard lock(d->core->mutex);
    return d->core->rateLimitPerKeyLocked();
}

/*!
    Sets how many tasks of one key may start per second to \a startsPerSecond; 0 (the default)
    means no limit. Each key's starts are spaced evenly, at least 1 / \a startsPerSecond seconds
    apart; a task waiting for its key's rate is queued, holds no slot and holds back no task of
    another key. A negative value (or not a number) warns and means 0. Thread-safe.
*/
void Group::setRateLimitPerKey(qreal startsPerSecond)
{
    Q_D(Group);
    startsPerSecond = checkedRate("setRateLimitPerKey", "rateLimitPerKey", startsPerSecond);
    {
        std::lock_guard lock(d->core->mutex);
        if (!d->core->setRateLimitPerKeyLocked(startsPerSecond))
            return;
    }
    Q_EMIT rateLimitPerKeyChanged();
    d->startQueued();
}

/*!
    Returns a live model of the round's tasks, made on the first call; the group owns it. Call it
    on the group's thread (elsewhere it warns and returns nullptr). A group whose model nobody
    asked for records nothing for it.

    One row per task, in spawn order: those queued or running when the model is made, and every
    task spawned after (adopted futures too). Ended rows stay until the next round begins, at
    most taskModelLimit of them (the oldest ended go first). Each role is on every column:

    \table
    \header \li Role \li Column \li Value
    \row \li \c key \li 0 \li the task's key (Key::toString()); empty for an unkeyed task
    \row \li \c state \li 1 \li \c queued, \c running, \c succeeded, \c failed or
        \c canceled. A task waiting for its key or its rate is queued; a request() waiting out
        its retry backoff still runs.
    \row \li \c progress \li 2 \li 0 to 1 from its future's progress (a fetch() or
        request() reports its download; a QPromise task calls setProgressRange() and
        setProgressValue()), -1 while unknown; 1 once it succeeded
    \row \li \c error \li 3 \li a failed task's message, as taskFailed() carries it
    \row \li \c elapsed \li 4 \li milliseconds since it started (0 while queued), growing
        while it runs
    \row \li \c text \li \li its future's progress text, if it sets one
    \endtable

    The display role of each column shows the same (progress as a percentage), so a QTableView
    shows the model as it is; QML's ListView and Repeater read the roles. Progress and
    elapsed are refreshed ten times a second while tasks run; other changes come with the drain
    that emits countsChanged(), before it.

    The model also has an invokable \c{bool cancel(int row)}: a queued task never starts (its
    row is canceled at once), a running one is canceled through its futures, with what it linked
    (its row ends when the task does). Returns false for an ended row, or for a running posted
    thread-pool task, which has no future to cancel. From QML: \c{group.taskModel.cancel(index)}.

    Tasks that were already running without any future the group follows (posted thread-pool
    work) when the model was made cannot be told apart: their rows stand in for them, and end in
    turn as such tasks end, with elapsed time counted from when the model was made.

    Recording costs about a microsecond per task (benchmarks/bench_taskmodel).
*/
QAbstractItemModel *Group::taskModel()
{
    Q_D(Group);
    if (!d->taskModel) {
        if (!d->core->onGroupThread()) {
            qWarning("AioUtils::Group::taskModel: call it on the group's thread; returning null");
            return nullptr;
        }
        d->taskModel = new TaskModel(d->core, this);
    }
    return d->taskModel;
}

int Group::taskModelLimit() const
{
    Q_D(const Group);
    std::lock_guard lock(d->core->mutex);
    return d->core->taskModelLimitLocked();
}

/*!
    Sets how many ended rows taskModel() keeps to \a limit (default 1000); 0 keeps them all until
    the next round. The oldest ended rows go first. A negative value warns and means 0.
    Thread-safe.
*/
void Group::setTaskModelLimit(int limit)
{
    Q_D(Group);
    if (limit < 0) {
        qWarning("AioUtils::Group::setTaskModelLimit: taskModelLimit %d is negative; using 0 "
                 "(none)",
                 limit);
        limit = 0;
    }
    {
        std::lock_guard lock(d->core->mutex);
        if (!d->core->setTaskModelLimitLocked(limit))
            return;
    }
    Q_EMIT taskModelLimitChanged();
}

int Group::spawnedCount() const
{
    Q_D(const Group);
    std::lock_guard lock(d->core->mutex);
    return d->core->countsLocked().spawned;
}

int Group::queuedCount() const
{
    Q_D(const Group);
    std::lock_guard lock(d->core->mutex);
    return d->core->countsLocked().queued;
}

int Group::runningCount() const
{
    Q_D(const Group);
    std::lock_guard lock(d->core->mutex);
    return d->core->countsLocked().running;
}

int Group::finishedCount() const
{
    Q_D(const Group);
    std::lock_guard lock(d->core->mutex);
    return d->core->countsLocked().finished;
}

int Group::failedCount() const
{
    Q_D(const Group);
    std::lock_guard lock(d->core->mutex);
    return d->core->countsLocked().failed;
}

bool Group::isIdle() const
{
    Q_D(const Group);
    std::lock_guard lock(d->core->mutex);
    return d->core->isIdleLocked();
}

} // namespace AioUtils
