// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// GroupCore: the engine every task of a group reports to, from any thread (see groupcore_p.h).

#include "futures_p.h"
#include "groupcore_p.h"
#include "tsan_p.h"

#include <AioUtils/detail/listener.h>
#include <AioUtils/timeouterror.h>

#include <QtCore/qcoreapplication.h>
#include <QtCore/qfuturewatcher.h>
#include <QtCore/qscopeguard.h>
#include <QtCore/qthread.h>

#include <algorithm>
#include <limits>

namespace AioUtils {
namespace detail {

namespace {
// The groups whose queue this thread is pumping right now, innermost first.
struct PumpScope
{
    const detail::GroupCore *core;
    PumpScope *outer;
};
thread_local PumpScope *t_pumping = nullptr;

// Watches one Follower's future on the group's thread. A child of the group: destroyed with it,
// the follower reports Canceled.
class FollowWatcher final : public Listener
{
public:
    FollowWatcher(std::unique_ptr<Follower> follower, Group *group)
        : Listener(follower->future(), group, Hears()), m_follower(std::move(follower))
    {
        // A queued future job's caller holds another future, the group's: canceling that one
        // (the caller, or a timeout) reaches the work.
        if (const std::optional<QFuture<void>> caller = m_follower->callerFuture()) {
            m_callerWatcher.emplace(*caller, nullptr);
            connect(&*m_callerWatcher, &QFutureWatcherBase::canceled, this, [this] {
                if (m_follower)
                    m_follower->callerCanceled();
            });
            m_callerWatcher->listen();
            m_follower->callerHeard();
        }
        listen();
    }

private:
    void heard() override
    {
        if (!m_follower)
            return;
        // The followed future is the one the task's caller holds (an adopted future, or the one
        // the work gave): canceling it, or its failure, cancels what the task linked. That runs
        // code outside this watcher, so it comes last: nothing of this is touched after it.
        const bool canceled = heardCanceled();
        if (!heardFinished()) {
            if (canceled)
                m_follower->canceled();
            return;
        }
        // Finished: the task ends (once: an event still on its way finds no follower). Not
        // deafen(): with an event of this watcher still queued, that searches the thread's whole
        // queue of posted events (QCoreApplication::removePostedEvents) once per task, and 2,200
        // tasks ending together took four times as long as all the rest of their work
        // (callgrind). A watcher deleted later has, most often, no event queued any more.
        std::unique_ptr<Follower> done = std::move(m_follower);
        // Deaf to the caller's future before the follower finishes it: no event of it to post.
        m_callerWatcher.reset();
        deleteLater();
        if (canceled)
            done->canceled();
        done->finish();
    }

    std::unique_ptr<Follower> m_follower;
    std::optional<Listener> m_callerWatcher;
};

// Watches the future the group made for a task's caller while DirectWork follows the task's
// work (a queued future job): canceling that future (the caller, or a timeout) reaches the work.
// A child of the group, used again for the next such task (see GroupCore::idleCallerWatchers):
// a QFutureWatcher costs a QObject, a connection and a system call (Qt asks for the CPU count)
// to make.
class CallerWatcher final : public Listener
{
public:
    CallerWatcher(Group *group, const QFuture<void> &first) : Listener(first, group, Hears()) { }
    void watch(Follower *follower, const QFuture<void> &caller)
    {
        m_follower = follower;
        listen(caller);
    }
    // Deaf from here on: nothing that happens to the future posts an event to it any more (a
    // canceled() on its way is dropped too).
    void release()
    {
        m_follower = nullptr;
        deafen();
    }

private:
    void heard() override
    {
        // Once: the follower hears of the cancel, the task's work is canceled with it.
        if (m_follower && heardFuture().isCanceled())
            std::exchange(m_follower, nullptr)->callerCanceled();
    }

    Follower *m_follower = nullptr;
};
} // namespace

void DirectFollow::link()
{
    m_next = std::exchange(m_core->directFollows, this);
    if (m_next)
        m_next->m_prev = this;
}

void DirectFollow::unlink()
{
    if (!m_core)
        return;
    if (m_callerWatcher) {
        auto *const watcher = static_cast<CallerWatcher *>(std::exchange(m_callerWatcher, nullptr));
        watcher->release();
        if (m_core->idleCallerWatchers.size() < GroupCore::IdleCallerWatchers)
            m_core->idleCallerWatchers.push_back(watcher);
        else
            delete watcher;
    }
    if (m_prev)
        m_prev->m_next = m_next;
    else
        m_core->directFollows = m_next;
    if (m_next)
        m_next->m_prev = m_prev;
    m_core = nullptr;
    m_prev = m_next = nullptr;
}

namespace {
// Watches the future the group made for a task's caller, once the task linked work: canceling
// that future cancels the work (a queued future job's inner future, or what the task linked).
class OwnWatcher final : public Listener
{
public:
    OwnWatcher(const std::shared_ptr<GroupCore> &core, const TaskRef &ref, const QFuture<void> &own,
               Group *group)
        : Listener(own, group, Hears()), m_core(core), m_ref(ref)
    {
        listen();
    }

private:
    void heard() override
    {
        if (heardFuture().isFinished() && !std::exchange(m_heardFinished, true))
            deleteLater(); // not deafen() first: see FollowWatcher::heard()
        // Last: canceling what the task linked runs code outside this watcher.
        if (heardCanceled()) {
            if (const std::shared_ptr<GroupCore> alive = m_core.lock())
                alive->cancelLinked(m_ref);
        }
    }

    const std::weak_ptr<GroupCore> m_core;
    const TaskRef m_ref;
    bool m_heardFinished = false;
};
} // namespace

void GroupCore::Slot::takeFutures(std::vector<QFuture<void>> &out, bool withOwn)
{
    if (own && withOwn)
        out.push_back(std::move(*own));
    if (work)
        out.push_back(std::move(*work));
    for (QFuture<void> &future : more)
        out.push_back(std::move(future));
    if (withOwn)
        own.reset();
    work.reset();
    more.clear();
}

void GroupCore::Slot::copyFutures(std::vector<QFuture<void>> &out) const
{
    if (own)
        out.push_back(*own);
    if (work)
        out.push_back(*work);
    out.insert(out.end(), more.begin(), more.end());
}

QEvent::Type wakeEventType()
{
    static const QEvent::Type type = static_cast<QEvent::Type>(QEvent::registerEventType());
    return type;
}

// Runs before the QObject part of the group exists: the group will live on this thread.
GroupCore::GroupCore(Group *group) : q(group), thread(QThread::currentThread()) { }

std::shared_ptr<GroupCore> GroupCore::create(Group *group)
{
    auto core = std::make_shared<GroupCore>(group);
    core->self = core;
    return core;
}

void GroupCore::keepResults(bool ordered)
{
    results = std::make_unique<Results>();
    results->ordered = ordered;
}

TaskLink GroupCore::reserveLocked(bool needsGroupThread, const CallerFuture *cancelHandle,
                                  std::unique_ptr<TaskTiming> &spare)
{
    // Behind queued tasks it queues too: spawn order is start order.
    if (!queue.empty() || hasReadyLocked() || !resumers.empty() || !mayStartLocked(nullptr)
        || (needsGroupThread && !onGroupThread()))
        return {};
    noteStartLocked(rateClockLocked());
    const qint64 sequence = beginTaskLocked();
    if (!tracker)
        return linkLocked(cancelHandle, sequence, !needsGroupThread, &spare);
    TaskLink link = linkLocked(cancelHandle, sequence, !needsGroupThread, &spare);
    trackStartedLocked(link, nullptr);
    return link;
}

bool GroupCore::enqueueLocked(Job *job)
{
    job->setSequence(beginTaskLocked());
    queue.push_back(job);
    if (job->key() >= 0) {
        KeyTable::Key &key = (*keyTable)[job->key()];
        ++key.inQueue;
        if (key.queued)
            key.queued->push_back(job);
    }
    if (tracker)
        trackQueuedLocked(job);
    ++queued;
    // (A job spawnLatest() dropped at the front: the pump takes it away.)
    const Job *next = nextJobLocked();
    if (mayStartLocked(next) || next->isDropped())
        return true;
    if (startInterval.count() > 0)
        armRateLocked();
    return false;
}

KeyTable &GroupCore::keysLocked()
{
    if (!keyTable) {
        keyTable = std::make_unique<KeyTable>();
        keyTable->limit = limitPerKey;
        if (ratePerKey > 0)
            keyTable->interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    std::chrono::duration<double>(1.0 / ratePerKey));
    }
    return *keyTable;
}

bool GroupCore::submitKeyedLocked(Job *job, KeyedSpawn &keyed, TaskLink &link, Aftermath &after,
                                  std::unique_ptr<TaskTiming> &spare)
{
    KeyTable &keys = keysLocked();
    const int index = keys.indexOf(keyed.key);
    KeyTable::Key &key = keys[index];
    if (keyed.mode == KeyMode::Once && key.handed && !key.handed->isFinished()
        && !key.handed->isCanceled()) {
        if (keyed.type && key.handedType == std::type_index(*keyed.type)) {
            keyed.existing = key.handedTyped;
            return false;
        }
        // A programming error: the caller warns, and the task is a new one.
        keyed.mode = KeyMode::Plain;
        keyed.typeMismatch = true;
    }
    if (keyed.mode == KeyMode::Latest)
        dropKeyLocked(index, after);
    if (keyed.type) {
        // The one it replaces may hold the last reference to its results: freed after the lock.
        if (key.handedTyped)
            after.toRelease.push_back(std::move(key.handedTyped));
        key.handed = keyed.handed;
        key.handedTyped = keyed.typed;
        key.handedType = std::type_index(*keyed.type);
    }
    job->setKey(index);
    // At once: nothing queued before it, a free slot, its key admits it, and the group's thread
    // if it needs that.
    const auto now = rateClockLocked();
    if (queue.empty() && !hasReadyLocked() && resumers.empty() && mayStartLocked(nullptr)
        && keys.admits(index, false, now) && (!job->needsGroupThread() || onGroupThread())) {
        noteStartLocked(now);
        const qint64 sequence = beginTaskLocked();
        const std::optional<CallerFuture> handle = job->cancelHandle();
        link = linkLocked(handle ? &*handle : nullptr, sequence, !job->needsGroupThread(), &spare);
        startedKeyedLocked(link, index, false, now);
        if (tracker)
            trackStartedLocked(link, nullptr);
        return false;
    }
    return enqueueLocked(job);
}

void GroupCore::startedKeyedLocked(TaskLink &link, int key, bool fromReady,
                                   std::chrono::steady_clock::time_point now)
{
    // The key goes with the task's report (and its slot, if it gets one: a timeout ends it).
    link.m_key = key;
    if (link.m_slot >= 0)
        slots[std::size_t(link.m_slot)].key = key;
    armLocked(keyTable->started(key, fromReady, now));
}

void GroupCore::releaseKeyLocked(int key, KeyTable::Released &released)
{
    const auto now = rateClockLocked();
    KeyTable::Key &state = (*keyTable)[key];
    // The key's newest future is let go once its task ended (a spawnOnce() now spawns anew).
    if (state.handed && state.handed->isFinished()) {
        if (state.handedTyped)
            released.push_back(std::move(state.handedTyped));
        state.handed.reset();
        state.handedType.reset();
    }
    armLocked(keyTable->released(key, now));
    armLocked(keyTable->forgetIfIdle(key, now, released));
}

void GroupCore::dropQueuedJobLocked(Job *job)
{
    if (tracker)
        trackDroppedLocked(job);
    job->drop();
    --queued;
    ++finished;
    resolveLocked(job->sequence(), {});
}

void GroupCore::dropKeyLocked(int index, Aftermath &after)
{
    KeyTable::Key &key = (*keyTable)[index];
    // In the group's queue: dropped where they are (skipped when they come up), their callers'
    // futures canceled now. The key's jobs there are tracked from its first spawnLatest() on;
    // that first time they are looked for.
    if (!key.queued) {
        key.queued = std::make_unique<std::deque<Job *>>();
        for (Job *job : queue) {
            if (job->key() == index && !job->isDropped())
                key.queued->push_back(job);
        }
    }
    // Their callers' futures finish (canceled) now, though the jobs stay queued until they come
    // up: the jobs are not freed before.
    for (Job *job : *key.queued) {
        dropQueuedJobLocked(job);
        if (std::function<void()> finish = job->takeCaller())
            after.toFinish.push_back(std::move(finish));
    }
    Q_ASSERT(key.inQueue == int(key.queued->size()));
    key.inQueue = 0;
    key.queued->clear();
    if (key.parked) {
        for (Job *job : *key.parked) {
            dropQueuedJobLocked(job);
            after.toDelete.push_back(job); // cancels its caller's future
        }
        key.parked->clear();
    }
    if (key.inReady) {
        for (Job *job : keyTable->ready) {
            if (job->key() == index && !job->isDropped()) {
                dropQueuedJobLocked(job);
                if (std::function<void()> finish = job->takeCaller())
                    after.toFinish.push_back(std::move(finish));
                break;
            }
        }
        key.inReady = false;
    }
    // Running: canceled through their futures; each ends as canceled when its work stops. (A
    // posted thread-pool task has none, and runs to its end, as with cancel().)
    for (const Slot &slot : slots) {
        if (slot.serial != 0 && slot.key == index)
            slot.copyFutures(after.toCancel);
    }
    changedLocked();
}

bool GroupCore::setLimitPerKeyLocked(int limit)
{
    if (std::exchange(limitPerKey, limit) == limit)
        return false;
    if (keyTable) {
        keyTable->limit = limit;
        keyTable->wakeAll(rateClockLocked());
    }
    return true;
}

bool GroupCore::setRateLimitLocked(qreal startsPerSecond)
{
    if (std::exchange(rate, startsPerSecond) == startsPerSecond)
        return false;
    startInterval = startsPerSecond > 0
            ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    std::chrono::duration<double>(1.0 / startsPerSecond))
            : std::chrono::steady_clock::duration(0);
    changedLocked();
    return true;
}

bool GroupCore::setRateLimitPerKeyLocked(qreal startsPerSecond)
{
    if (std::exchange(ratePerKey, startsPerSecond) == startsPerSecond)
        return false;
    if (keyTable) {
        keyTable->interval = startsPerSecond > 0
                ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                        std::chrono::duration<double>(1.0 / startsPerSecond))
                : std::chrono::steady_clock::duration(0);
        keyTable->wakeAll(rateClockLocked());
    }
    changedLocked();
    return true;
}

bool GroupCore::rateElapsedLocked() const
{
    return !lastStart || std::chrono::steady_clock::now() >= *lastStart + startInterval;
}

void GroupCore::armRateLocked()
{
    if (startInterval.count() == 0 || !lastStart || rateOpenLocked())
        return;
    rateArmed = true;
    armLocked(*lastStart + startInterval);
}

std::chrono::steady_clock::time_point GroupCore::nextTimerLocked() const
{
    auto due = std::chrono::steady_clock::time_point::max();
    if (!deadlines.empty())
        due = deadlines.front().at;
    // Something waits for the rateLimit (a queued task, slotAvailable()).
    if (rateArmed && startInterval.count() > 0 && lastStart)
        due = std::min(due, *lastStart + startInterval);
    if (keyTable) {
        if (const auto wake = keyTable->nextWake())
            due = std::min(due, *wake);
    }
    return due;
}

TaskLink GroupCore::adoptLocked()
{
    const qint64 sequence = beginTaskLocked();
    if (!tracker)
        return linkLocked(nullptr, sequence, false);
    TaskLink link = linkLocked(nullptr, sequence, false);
    trackStartedLocked(link, nullptr);
    return link;
}

void GroupCore::adoptFinishedLocked(Outcome outcome, std::exception_ptr failure, TaskResults values,
                                    Aftermath &after)
{
    const qint64 sequence = beginTaskLocked();
    if (tracker) {
        const qint64 id = tracker->spawned({}, TaskTracker::now());
        trackEndedLocked(id, -1, outcome, failure);
    }
    ++running;
    resolveLocked(sequence, std::move(values));
    endTaskLocked(outcome, std::move(failure), after);
}

std::optional<QPromise<void>> GroupCore::detachLocked(Aftermath &after)
{
    q = nullptr;
    cancelLocked(after);
    // No drain comes any more; later reports are too late to count, and their jobs not taken.
    for (std::unique_ptr<Job> &job : ranJobs)
        after.toDelete.push_back(job.release());
    ranJobs.clear();
    roundActive = false;
    if (!waiters.empty())
        changed.notify_all();
    return std::exchange(roundPromise, std::nullopt);
}

QFuture<void> GroupCore::joinedLocked()
{
    if (!roundActive) {
        QFutureInterface<void> done(QFutureInterfaceBase::Started);
        if (firstFailure)
            done.reportException(firstFailure);
        done.reportFinished();
        return done.future();
    }
    if (!roundPromise) {
        roundPromise.emplace();
        roundPromise->start();
    }
    return roundPromise->future();
}

bool GroupCore::setMaxConcurrencyLocked(int limit)
{
    limit = std::max(limit, minimumConcurrency);
    if (maxConcurrency == limit)
        return false;
    maxConcurrency = limit;
    changedLocked(); // waitAvailable() waits on it
    return true;
}

int GroupCore::freeSlotCountLocked() const
{
    if (paused || !rateOpenLocked())
        return 0;
    // A rateLimit lets one start now, the next one an interval later.
    const int cap = startInterval.count() > 0 ? 1 : std::numeric_limits<int>::max();
    if (maxConcurrency == 0)
        return cap;
    return std::min(cap, std::max(0, maxConcurrency - running - int(resumers.size())));
}

bool GroupCore::setPausedLocked(bool pause)
{
    if (std::exchange(paused, pause) == pause)
        return false;
    // waitAvailable() waits on it; the counts did not change.
    if (!waiters.empty())
        changed.notify_all();
    wakeLocked();
    return true;
}

bool GroupCore::setPolicyLocked(Group::FailurePolicy newPolicy)
{
    return std::exchange(policy, newPolicy) != newPolicy;
}

GroupCore::Notices GroupCore::takeNoticesLocked(bool emissionsDone)
{
    Notices notices;
    if (roundActive && roundOverLocked() && emissionsDone) {
        roundActive = false;
        notices.roundEnded = true;
        notices.promise.swap(roundPromise);
        notices.failure = firstFailure;
        notices.canceled = roundCanceled;
        // Waiters see the round end now, before a slot of the signals can begin the next round.
        if (offerLocked())
            changed.notify_all();
    }
    if (notices.roundEnded) {
        // What spawnLatest() dropped and is still queued goes now (nothing else is queued), and
        // keys with nothing to remember with it.
        notices.dropped.assign(queue.begin(), queue.end());
        queue.clear();
        if (keyTable)
            keyTable->prune(std::chrono::steady_clock::now(), notices.dropped, notices.released);
    }
    if (const auto due = nextTimerLocked(); due < timerDue)
        notices.timerDue = timerDue = due;
    notices.failures.swap(failures);
    notices.ranJobs.swap(ranJobs);
    if (tracker && !tracker->events.empty())
        notices.tracked.emplace(std::exchange(tracker->events, {}));
    if (std::exchange(modelLimitChanged, false))
        notices.modelLimit = modelLimit;
    notices.countsChanged = std::exchange(countsDirty, false);
    const bool idle = !roundActive;
    if (idle != idleSignaled) {
        idleSignaled = idle;
        notices.idleChanged = true;
    }
    return notices;
}

void GroupCore::removeWaiterLocked(Waiter *waiter)
{
    waiters.erase(std::find(waiters.begin(), waiters.end(), waiter));
}

void GroupCore::putLocked(QVariant value)
{
    const qint64 sequence = takeSequenceLocked();
    TaskResults one;
    one.append(std::move(value));
    resolveLocked(sequence, std::move(one));
    wakeLocked();
}

QVariantList GroupCore::takeRetainedLocked(qsizetype count)
{
    Ring<QVariant> &retained = results->retained;
    QVariantList taken;
    taken.reserve(count);
    for (qsizetype i = 0; i < count; ++i) {
        taken.append(std::move(retained.front()));
        retained.pop_front();
    }
    return taken;
}

std::optional<QVariant> GroupCore::takeFirstRetainedLocked()
{
    Ring<QVariant> &retained = results->retained;
    if (retained.empty())
        return std::nullopt;
    std::optional<QVariant> value(std::move(retained.front()));
    retained.pop_front();
    return value;
}

bool GroupCore::bufferedChangedLocked()
{
    const int buffered = bufferedLocked();
    return std::exchange(results->bufferedSignaled, buffered) != buffered;
}

bool GroupCore::setBufferLimitLocked(int limit)
{
    if (results->bufferLimit == limit)
        return false;
    results->bufferLimit = limit;
    changedLocked();
    return true;
}

void GroupCore::wakeIfRoundOverLocked()
{
    if (roundActive && roundOverLocked())
        wakeLocked();
}

namespace {
// How many aftermaths this thread is carrying out (of any group): one that waited for the others
// from inside its own continuations would wait for itself.
thread_local int t_aftermathsRunning = 0;
} // namespace

void GroupCore::Aftermath::run()
{
    {
        ++t_aftermathsRunning;
        const auto done = qScopeGuard([] { --t_aftermathsRunning; });
        // Destroyed jobs finish their callers' futures as canceled, whose continuations run
        // here; a join() in them must refuse, not wait for this aftermath.
        TaskScope scope(settles.get());
        for (QFuture<void> &future : toCancel)
            future.cancel();
        toCancel.clear();
        for (std::function<void()> &finish : toFinish)
            finish(); // cancels and finishes the caller's future, running its continuations
        toFinish.clear();
        for (QPromise<void> &promise : toResume)
            promise.finish();
        toResume.clear();
        toAbandon.clear(); // canceled, as an unfinished QPromise is when it goes
        for (Job *job : toDelete)
            delete job;
        toDelete.clear();
        toDrop.clear();
        toRelease.clear();
    }
    if (const std::shared_ptr<GroupCore> core = std::exchange(settles, nullptr)) {
        std::lock_guard lock(core->mutex);
        if (--core->settling == 0)
            core->changed.notify_all(); // a cancel() waiting in waitForSettlesLocked()
        core->changedLocked();
    }
}

void GroupCore::waitForSettlesLocked(std::unique_lock<std::mutex> &lock)
{
    if (t_aftermathsRunning > 0)
        return;
    // Bounded: that aftermath runs user code (continuations of canceled futures), which might
    // wait for this thread; then the round ends a moment later, as it did before.
    changed.wait_for(lock, std::chrono::milliseconds(250), [this] { return settling == 0; });
}

bool GroupCore::onGroupThread() const
{
    return QThread::currentThread() == thread;
}

void GroupCore::wakeLocked()
{
    if (wakePosted || !q)
        return;
    wakePosted = true;
    auto *event = new QEvent(wakeEventType());
    AIOUTILS_HANDOVER_RELEASE(event);
    QCoreApplication::postEvent(q, event);
}

void GroupCore::changedLocked()
{
    countsDirty = true;
    if (!waiters.empty())
        changed.notify_all();
    wakeLocked();
}

bool GroupCore::offerLocked()
{
    bool any = false;
    for (Waiter *waiter : waiters) {
        if (!waiter->done && waiter->take(*this)) {
            waiter->done = true;
            any = true;
        }
    }
    return any;
}

qint64 GroupCore::beginTaskLocked()
{
    if (!roundActive) {
        roundActive = true;
        ++roundNumber;
        roundCanceled = false;
        roundFailed = false;
        spawned = queued = running = finished = failed = 0;
        firstFailure = nullptr;
        roundFailures.clear();
        roundEpoch = epoch.load(std::memory_order_relaxed);
        if (tracker)
            tracker->push(TrackEvent::Round, tracker->nextId, 0); // the last round's rows go
    } else if (roundCanceled) {
        // Work spawned into a canceled round that has not ended yet (cancel() from another
        // thread, before the drain): the late failures of what was canceled are not its own.
        roundEpoch = epoch.load(std::memory_order_relaxed);
    }
    ++spawned;
    changedLocked();
    return takeSequenceLocked();
}

qint64 GroupCore::takeSequenceLocked()
{
    if (!results || !results->ordered)
        return -1;
    results->window.emplace_back();
    return results->nextSequence++;
}

void GroupCore::resolveLocked(qint64 sequence, TaskResults &&values)
{
    if (!results)
        return;
    if (results->ordered) {
        const qint64 index = sequence - results->deliverSequence;
        if (index < 0 || index >= qint64(results->window.size())
            || results->window[std::size_t(index)])
            return; // its place was given up already (the round was canceled)
        results->undelivered += int(values.size());
        results->window[std::size_t(index)] = std::move(values);
        if (index == 0)
            wakeLocked();
    } else if (!values.isEmpty()) {
        results->undelivered += int(values.size());
        values.moveTo(results->incoming);
        wakeLocked();
    }
}

template<typename Out> std::pair<qsizetype, bool> GroupCore::moveDeliverableLocked(Out &out)
{
    Results &results = *this->results;
    const qsizetype before = qsizetype(out.size());
    bool moved = false;
    if (results.ordered) {
        auto &window = results.window;
        while (!window.empty() && window.front()) {
            window.front()->moveTo(out);
            window.pop_front();
            ++results.deliverSequence;
            moved = true;
        }
    } else {
        Ring<QVariant> &incoming = results.incoming;
        if constexpr (std::is_same_v<Out, Ring<QVariant>>) {
            // Nothing retained (a consumer that keeps up, or the first delivery after a burst):
            // the whole buffer changes hands.
            if (out.empty()) {
                out.swap(incoming);
                return { qsizetype(out.size()), false };
            }
        }
        using Size = decltype(out.size());
        out.reserve(out.size() + Size(incoming.size()));
        for (std::size_t i = 0; i < incoming.size(); ++i)
            out.push_back(std::move(incoming[i]));
        incoming.clear();
    }
    return { qsizetype(out.size()) - before, moved };
}

bool GroupCore::takeDeliverableLocked(QVariantList &out)
{
    if (!results)
        return false;
    const auto [count, moved] = moveDeliverableLocked(out);
    return deliveredLocked(count, moved);
}

bool GroupCore::retainDeliverableLocked()
{
    if (!results)
        return false;
    const auto [count, moved] = moveDeliverableLocked(results->retained);
    return deliveredLocked(count, moved);
}

bool GroupCore::deliveredLocked(qsizetype count, bool moved)
{
    results->undelivered -= int(count);
    // A place that ended empty and is delivered now can make a queued task the next to deliver,
    // which may start over the buffer limit: nothing else would look at the queue. Asked of the
    // one rule, so that only a delivery that lets a task start costs a pump.
    // (With keys, the one next to deliver may wait in `ready` behind the front: a pump looks.)
    const Job *next = nextJobLocked();
    return moved && next
            && (mayStartLocked(next) || next->isDropped()
                || (hasReadyLocked() && results->ordered));
}

void GroupCore::endTaskLocked(Outcome outcome, std::exception_ptr failure, Aftermath &after)
{
    --running;
    ++finished;
    if (outcome == Outcome::Failed) {
        recordFailureLocked(failure);
        if (policy == Group::CancelOnFailure && !roundFailed)
            cancelLocked(after);
        roundFailed = true;
    }
    changedLocked();
}

void GroupCore::recordFailureLocked(std::exception_ptr failure)
{
    ++failed;
    if (!firstFailure)
        firstFailure = failure;
    roundFailures.append(failure);
    failures.push_back(std::move(failure));
}

void GroupCore::cancelLocked(Aftermath &after)
{
    ++epoch;
    if (tracker) {
        tracker->queued.clear();
        tracker->push(TrackEvent::CanceledAll, tracker->nextId, TaskTracker::now());
    }
    if (!after.settles) {
        after.settles = self.lock();
        ++settling;
    }
    for (Slot &slot : slots)
        slot.takeFutures(after.toCancel, true);
    slots.clear();
    freeSlots.clear();
    deadlines.clear();
    after.toDelete.insert(after.toDelete.end(), queue.begin(), queue.end());
    queue.clear();
    if (keyTable)
        keyTable->clearTasks(after.toDelete, after.toRelease);
    for (Resumer &resumer : resumers)
        after.toAbandon.push_back(std::move(resumer.promise));
    resumers.clear();
    resting = 0; // counted in queued, which is accounted for below
    for (std::unique_ptr<Follower> &follower : pendingFollowers)
        after.toDrop.push_back(std::move(follower));
    pendingFollowers.clear();
    finished += running + queued;
    running = queued = 0;
    if (roundActive)
        roundCanceled = true;
    // Places of tasks that will never report are given up, so an OrderedBag does not stall; what
    // put() filled stays.
    if (results && results->ordered) {
        for (std::size_t i = 0; i < results->window.size(); ++i) {
            if (!results->window[i])
                results->window[i].emplace();
        }
    }
    changedLocked();
}

TaskLink GroupCore::linkLocked(const CallerFuture *cancelHandle, qint64 sequence, bool onPool,
                               std::unique_ptr<TaskTiming> *spare)
{
    ++running;
    TaskLink link(self.lock(), epoch, sequence, results != nullptr, timeoutMs);
    if (cancelHandle) {
        registerLocked(link, cancelHandle->future, Role::Made);
        Slot &slot = slots[std::size_t(link.m_slot)];
        slot.onTimeout = cancelHandle->onTimeout;
        slot.ownWatched = cancelHandle->watched;
    }
    if (onPool && timeoutMs > 0) {
        // The worker that runs it notes when it begins, without the lock; the entry comes due
        // first a timeout from about now, and moves to the real deadline then. (The clock is
        // read once in 64 starts, under the lock: an entry due early only moves on.)
        if ((linkedWithDeadline++ & 63) == 0)
            startClock = std::chrono::steady_clock::now();
        Slot &slot = slotLocked(link);
        link.m_timing = spare && *spare ? std::move(*spare) : std::make_unique<TaskTiming>();
        slot.timing = link.m_timing.get();
        pushDeadlineLocked({ startClock + std::chrono::milliseconds(timeoutMs), link.m_slot,
                             timeoutMs, link.m_serial });
    }
    return link;
}

GroupCore::Slot &GroupCore::slotLocked(TaskLink &link)
{
    if (link.m_slot < 0) {
        if (freeSlots.empty()) {
            link.m_slot = int(slots.size());
            slots.emplace_back();
        } else {
            link.m_slot = freeSlots.back();
            freeSlots.pop_back();
        }
        Slot &slot = slots[std::size_t(link.m_slot)];
        slot.serial = link.m_serial = ++nextSerial;
        slot.sequence = link.m_sequence;
        slot.key = link.m_key;
    }
    return slots[std::size_t(link.m_slot)];
}

void GroupCore::registerLocked(TaskLink &link, const QFuture<void> &handle, Role role)
{
    slotLocked(link);
    registerLocked(link.m_slot, handle, role);
}

void GroupCore::registerLocked(int index, const QFuture<void> &handle, Role role)
{
    Slot &slot = slots[std::size_t(index)];
    switch (role) {
    case Role::Made:
    case Role::Own:
        slot.own = handle;
        slot.ownMade = role == Role::Made;
        break;
    case Role::Linked:
    case Role::Inner:
        if (role == Role::Inner)
            slot.inner = handle;
        // Work that linked the future it returns (fetch() does) gives that future twice: linked
        // as it is made, then as the queued job's inner work. Kept once.
        if (!slot.work)
            slot.work = handle;
        else if (QFutureInterfaceBase::get(*slot.work) != QFutureInterfaceBase::get(handle))
            slot.more.push_back(handle);
        // The caller's future is the group's (a thread-pool task's): a watcher tells when the
        // caller cancels it. (Adopted futures and those work gave are watched already, by their
        // Follower; so is a queued future job's.)
        if (role == Role::Linked && slot.ownMade && !slot.ownWatched) {
            slot.ownWatched = true;
            pendingOwnWatches.emplace_back(
                    TaskRef(self, this, epoch.load(std::memory_order_relaxed), slot.serial, index),
                    *slot.own);
            wakeLocked();
        }
        break;
    }
}

TaskRef GroupCore::refOf(TaskLink &link)
{
    std::lock_guard lock(mutex);
    if (!link.m_armed || !isLiveLocked(link.m_epoch, link.m_slot, link.m_serial))
        return {};
    slotLocked(link);
    return TaskRef(link);
}

void GroupCore::begin(TaskLink &link, const QFuture<void> *own)
{
    {
        std::lock_guard lock(mutex);
        if (isLiveLocked(link.m_epoch, link.m_slot, link.m_serial)) {
            if (own)
                registerLocked(link, *own, Role::Own);
            if (link.m_timeoutMs > 0)
                armDeadlineLocked(link);
            return;
        }
    }
    // The task was canceled while its future was being made.
    if (own)
        QFuture<void>(*own).cancel();
}

TaskRef GroupCore::cancelWith(TaskLink &link, const QFuture<void> &handle, Role role)
{
    {
        std::lock_guard lock(mutex);
        if (isLiveLocked(link.m_epoch, link.m_slot, link.m_serial)) {
            registerLocked(link, handle, role);
            return TaskRef(link);
        }
    }
    // The task was canceled (or timed out) while the future was being made.
    QFuture<void>(handle).cancel();
    return {};
}

bool GroupCore::cancelWith(const TaskRef &ref, const QFuture<void> &handle)
{
    std::lock_guard lock(mutex);
    // A task that is no longer live may simply have ended: its late work is left alone.
    if (!isLiveLocked(ref.m_epoch, ref.m_slot, ref.m_serial))
        return false;
    registerLocked(ref.m_slot, handle, Role::Linked);
    return true;
}

void GroupCore::cancelLinked(const TaskRef &ref)
{
    std::vector<QFuture<void>> linked;
    {
        std::lock_guard lock(mutex);
        if (ref.m_slot < 0 || !isLiveLocked(ref.m_epoch, ref.m_slot, ref.m_serial))
            return;
        slots[std::size_t(ref.m_slot)].takeFutures(linked, false);
    }
    for (QFuture<void> &future : linked)
        future.cancel();
}

bool GroupCore::rest(const TaskRef &ref, const QFuture<void> &waiting)
{
    bool startOthers;
    {
        std::lock_guard lock(mutex);
        if (ref.m_slot < 0 || !isLiveLocked(ref.m_epoch, ref.m_slot, ref.m_serial))
            return false;
        Slot &slot = slots[std::size_t(ref.m_slot)];
        if (slot.resting)
            return true;
        // Other work the task linked still runs (two requests at once): the task is busy.
        // Not other work: the future this request made, and the future the task returned (which
        // waits for it, as a then() of it does).
        const QFutureInterfaceBase &mine = QFutureInterfaceBase::get(waiting);
        const auto same = [](const QFuture<void> &a, const QFutureInterfaceBase &b) {
            return QFutureInterfaceBase::get(a) == b;
        };
        const auto busy = [&](const std::optional<QFuture<void>> &future) {
            return future && !future->isFinished() && !same(*future, mine)
                    && !(slot.inner && same(*future, QFutureInterfaceBase::get(*slot.inner)));
        };
        if (busy(slot.work)
            || std::any_of(slot.more.begin(), slot.more.end(),
                           [&](const QFuture<void> &future) { return busy(future); }))
            return false;
        slot.resting = true;
        --running;
        ++queued;
        ++resting;
        changedLocked();
        startOthers = !queue.empty() || hasReadyLocked() || !resumers.empty();
    }
    // The slot it gave back goes to the next task at once.
    if (startOthers)
        pump();
    return true;
}

void GroupCore::endRest(const TaskRef &ref)
{
    std::vector<QPromise<void>> dropped; // let go after the lock
    std::lock_guard lock(mutex);
    if (ref.m_slot < 0 || !isLiveLocked(ref.m_epoch, ref.m_slot, ref.m_serial))
        return;
    if (!slots[std::size_t(ref.m_slot)].resting)
        return;
    // Over the limit if it must be, as an adopted future is.
    stopRestingLocked(ref.m_slot, dropped);
    changedLocked();
}

void GroupCore::stopRestingLocked(int index, std::vector<QPromise<void>> &abandoned)
{
    Slot &slot = slots[std::size_t(index)];
    if (!slot.resting)
        return;
    unrestLocked(slot);
    for (auto it = resumers.begin(); it != resumers.end(); ++it) {
        if (it->slot == index) {
            abandoned.push_back(std::move(it->promise));
            resumers.erase(it);
            return;
        }
    }
}

QFuture<void> GroupCore::resume(const TaskRef &ref)
{
    std::lock_guard lock(mutex);
    if (ref.m_slot >= 0 && isLiveLocked(ref.m_epoch, ref.m_slot, ref.m_serial)) {
        Slot &slot = slots[std::size_t(ref.m_slot)];
        if (slot.resting) {
            // Resting tasks go back first come first served, before any queued job.
            if (!resumers.empty() || paused || !slotFreeLocked()) {
                Resumer resumer { ref.m_slot, ref.m_serial, QPromise<void>() };
                resumer.promise.start();
                QFuture<void> future = resumer.promise.future();
                resumers.push_back(std::move(resumer));
                return future;
            }
            unrestLocked(slot);
            changedLocked();
        }
        return readyFuture();
    }
    return canceledFuture<void>(); // canceled or ended meanwhile
}

void GroupCore::unrestLocked(Slot &slot)
{
    slot.resting = false;
    --resting;
    --queued;
    ++running;
}

bool GroupCore::grantResumersLocked(Aftermath &after)
{
    while (!resumers.empty() && !paused && slotFreeLocked()) {
        Resumer resumer = std::move(resumers.front());
        resumers.pop_front();
        const std::size_t index = std::size_t(resumer.slot);
        // A task that stopped resting took its Resumer out (stopRestingLocked()); cancel()
        // cleared them all.
        Q_ASSERT(index < slots.size() && slots[index].serial == resumer.serial
                 && slots[index].resting);
        unrestLocked(slots[index]);
        after.toResume.push_back(std::move(resumer.promise));
        changedLocked();
    }
    return resumers.empty();
}

void GroupCore::armDeadlineLocked(TaskLink &link)
{
    slotLocked(link);
    pushDeadlineLocked(
            { std::chrono::steady_clock::now() + std::chrono::milliseconds(link.m_timeoutMs),
              link.m_slot, link.m_timeoutMs, link.m_serial });
}

void GroupCore::pushDeadlineLocked(const Deadline &deadline)
{
    // Start order is deadline order unless the timeout was lowered meanwhile, or an entry moved
    // to a thread-pool task's real deadline.
    if (deadlines.empty() || deadlines.back().at <= deadline.at) {
        deadlines.push_back(deadline);
    } else {
        const auto later = std::upper_bound(deadlines.begin(), deadlines.end(), deadline.at,
                                            [](std::chrono::steady_clock::time_point at,
                                               const Deadline &d) { return at < d.at; });
        deadlines.insert(later, deadline);
    }
    // The group's thread (re)starts the timer for the front.
    if (deadline.at < timerDue)
        wakeLocked();
}

void GroupCore::dropStaleDeadlinesLocked()
{
    while (!deadlines.empty()) {
        const Deadline &front = deadlines.front();
        if (slots.size() > std::size_t(front.slot)
            && slots[std::size_t(front.slot)].serial == front.serial)
            return;
        deadlines.pop_front();
    }
}

void GroupCore::expireLocked(Aftermath &after)
{
    timerDue = std::chrono::steady_clock::time_point::max();
    const auto now = std::chrono::steady_clock::now();
    // Rates: what waited goes to be looked at by the pump that follows (which arms again what
    // must still wait); waits on other threads (Pool::waitAvailable()) look again.
    if (std::exchange(rateArmed, false) && !waiters.empty())
        changed.notify_all();
    if (keyTable)
        keyTable->wakeDue(now, after.toRelease);
    while (!deadlines.empty() && deadlines.front().at <= now) {
        const Deadline due = deadlines.front();
        deadlines.pop_front();
        if (slots.size() <= std::size_t(due.slot)
            || slots[std::size_t(due.slot)].serial != due.serial)
            continue; // the task has ended
        if (TaskTiming *const timing = slots[std::size_t(due.slot)].timing) {
            // A thread-pool task: due a timeout after it began, which may be later than this.
            const int state = timing->state.load(std::memory_order_acquire);
            if (state == TaskTiming::Ended)
                continue; // its report is on the way
            const auto deadline = std::chrono::milliseconds(due.timeoutMs)
                    + (state == TaskTiming::Queued
                               ? now
                               : std::chrono::steady_clock::time_point(
                                       std::chrono::steady_clock::duration(
                                               timing->startedNs.load(std::memory_order_relaxed))));
            if (deadline > now) {
                pushDeadlineLocked({ deadline, due.slot, due.timeoutMs, due.serial });
                continue;
            }
            // It beat the timer to its end if it claimed the end first.
            int running = TaskTiming::Running;
            if (!timing->state.compare_exchange_strong(running, TaskTiming::TimedOut))
                continue;
        }
        timeOutLocked(due.slot, due.timeoutMs, after); // may cancel the round
    }
    dropStaleDeadlinesLocked();
    if (!deadlines.empty())
        wakeLocked(); // the drain sets the timer for the next one
}

void GroupCore::timeOutLocked(int index, int limitMs, Aftermath &after)
{
    Slot &slot = slots[std::size_t(index)];
    const std::exception_ptr error = std::make_exception_ptr(TimeoutError(limitMs));
    if (slot.timing) {
        // A thread-pool task, timed out by claiming it (see expireLocked()): decided. Its
        // worker fails a future of the group's itself (Deferred), or sees it canceled.
        if (slot.own && (!slot.ownMade || slot.onTimeout == TimeoutMode::Cancel))
            slot.own->cancel();
        else if (slot.own && slot.onTimeout == TimeoutMode::Fail)
            QFutureInterfaceBase::get(*slot.own).reportException(error);
    } else if (slot.own) {
        // Decided under the lock, against the future's own state, so the group and the future
        // agree: work that ended just now has its report on the way, and ends as it ended.
        // (Neither reportException() nor cancel() runs user code.)
        if (slot.own->isFinished())
            return;
        if (slot.ownMade && slot.onTimeout != TimeoutMode::Cancel) {
            QFutureInterfaceBase state = QFutureInterfaceBase::get(*slot.own);
            state.reportException(error); // cancels it too
            // The work, which finishes this future without the group's lock, may have finished
            // it between the two calls: then the exception was ignored, and the work's report
            // is on the way.
            if (slot.own->isFinished() && !slot.own->isCanceled())
                return;
        } else {
            slot.own->cancel();
        }
    }
    stopRestingLocked(index, after.toAbandon);
    Slot ended = std::exchange(slot, {});
    freeSlots.push_back(index);
    ended.takeFutures(after.toCancel, false);
    if (tracker)
        trackEndedLocked(ended.track, ended.key, Outcome::Failed, error);
    if (ended.key >= 0)
        releaseKeyLocked(ended.key, after.toRelease);
    resolveLocked(ended.sequence, {});
    endTaskLocked(Outcome::Failed, error, after);
}

Job *GroupCore::takeStartableLocked(TaskLink &link, Aftermath &after,
                                    std::unique_ptr<TaskTiming> &spare)
{
    const auto now = rateClockLocked();
    if (keyTable) {
        keyTable->wakeDue(now, after.toRelease);
        armLocked(keyTable->nextWake());
    }
    // Resting tasks that want to go on come before any queued job.
    if (!grantResumersLocked(after))
        return nullptr;
    for (;;) {
        // A key's ready job was spawned before everything still in the queue: it goes first.
        const bool fromReady = hasReadyLocked();
        std::deque<Job *> &from = fromReady ? keyTable->ready : queue;
        if (from.empty())
            return nullptr;
        Job *job = from.front();
        if (job->isDropped()) {
            // Dropped by spawnLatest(), and accounted for then.
            from.pop_front();
            after.toDelete.push_back(job);
            continue;
        }
        if (!mayStartLocked(job)) {
            // In an OrderedBag over its buffer limit, only the task next to deliver may start
            // (see startAllowedLocked()); `ready` is in the order the keys let their jobs go,
            // and that one may be further in (all of `ready` was spawned before the queue).
            if (fromReady && results && results->ordered && takeNextToDeliverLocked())
                continue;
            if (startInterval.count() > 0)
                armRateLocked();
            return nullptr;
        }
        const int key = job->key();
        // A keyed job leaves the queue (or `ready`) of its key's jobs.
        const auto leave = [&] {
            from.pop_front();
            if (key < 0)
                return;
            KeyTable::Key &state = (*keyTable)[key];
            if (fromReady) {
                state.inReady = false;
            } else {
                --state.inQueue;
                if (state.queued) {
                    Q_ASSERT(!state.queued->empty() && state.queued->front() == job);
                    state.queued->pop_front();
                }
            }
        };
        if (job->isCanceled()) {
            // Canceled by its caller while it waited: it never starts.
            leave();
            dropQueuedJobLocked(job);
            after.toDelete.push_back(job);
            if (key >= 0) {
                if (fromReady)
                    armLocked(keyTable->wake(key, now)); // its key's next job may go
                armLocked(keyTable->forgetIfIdle(key, now, after.toRelease));
            }
            changedLocked();
            continue;
        }
        if (key >= 0 && !keyTable->admits(key, fromReady, now)) {
            // Held back by its key, it waits in the key's line, and does not hold up the jobs
            // of other keys behind it.
            leave();
            armLocked(keyTable->park(job, fromReady, now));
            continue;
        }
        if (job->needsGroupThread() && !onGroupThread()) {
            wakeLocked();
            return nullptr;
        }
        leave();
        --queued;
        noteStartLocked(now);
        const std::optional<CallerFuture> handle = job->cancelHandle();
        link = linkLocked(handle ? &*handle : nullptr, job->sequence(), !job->needsGroupThread(),
                          &spare);
        if (key >= 0)
            startedKeyedLocked(link, key, fromReady, now);
        if (tracker)
            trackStartedLocked(link, job);
        changedLocked();
        return job;
    }
}

bool GroupCore::takeNextToDeliverLocked()
{
    std::deque<Job *> &ready = keyTable->ready;
    for (auto it = ready.begin() + 1; it != ready.end(); ++it) {
        if (!(*it)->isDropped() && (*it)->sequence() == results->deliverSequence
            && mayStartLocked(*it)) {
            Job *next = *it;
            ready.erase(it);
            ready.push_front(next);
            return true;
        }
    }
    return false;
}

void GroupCore::pump()
{
    // Started work runs user code, which may delete the group: keep the state alive.
    const std::shared_ptr<GroupCore> keep = self.lock();
    if (!keep)
        return;
    for (const PumpScope *scope = t_pumping; scope; scope = scope->outer) {
        if (scope->core == this)
            return;
    }
    PumpScope scope { this, t_pumping };
    t_pumping = &scope;
    std::unique_ptr<TaskTiming> spare;
    for (;;) {
        Aftermath after;
        TaskLink link;
        Job *job;
        if (!spare)
            spare = spareTiming();
        {
            std::lock_guard lock(mutex);
            job = takeStartableLocked(link, after, spare);
        }
        after.run();
        if (!job)
            break;
        // One at a time: the work may cancel the group, and then the rest must not start.
        job->start(std::move(link));
    }
    t_pumping = scope.outer;
}

void GroupCore::report(const TaskLink &link, Outcome outcome, std::exception_ptr failure,
                       TaskResults values, Job **ran)
{
    std::vector<std::unique_ptr<Job>> tooMany; // ran jobs past MaxRanJobs: freed here
    Aftermath after;
    Slot freed; // its futures are let go after the lock: the last reference frees the results
    bool queuedWork;
    {
        std::lock_guard lock(mutex);
        if (link.m_epoch != epoch) {
            // Accounted for already, by cancel(). A failure still counts: nothing user work
            // threw is dropped. It is this round's unless a next round has begun since; then it
            // is only signaled.
            if (outcome == Outcome::Failed) {
                // Not roundFailed: that a first failure cancels the round under CancelOnFailure
                // is for the round's live work.
                if (link.m_epoch >= roundEpoch) {
                    recordFailureLocked(std::move(failure));
                } else {
                    failures.push_back(std::move(failure));
                }
                changedLocked();
            }
            return;
        }
        if (link.m_slot >= 0) {
            Slot &slot = slots[std::size_t(link.m_slot)];
            if (slot.serial != link.m_serial) {
                // Timed out, and counted as failed then. What it threw since is kept and
                // signaled, not counted again.
                if (outcome == Outcome::Failed) {
                    roundFailures.append(failure);
                    failures.push_back(std::move(failure));
                    changedLocked();
                }
                return;
            }
            // Ended while it rested (canceled through its own future, say).
            stopRestingLocked(link.m_slot, after.toAbandon);
            freed = std::exchange(slot, {});
            freeSlots.push_back(link.m_slot);
            dropStaleDeadlinesLocked();
        }
        // Before the end, which may cancel the round (and every key's tasks with it).
        if (tracker)
            trackEndedLocked(link.m_slot >= 0 ? freed.track : -1, link.m_key, outcome, failure);
        if (link.m_key >= 0)
            releaseKeyLocked(link.m_key, after.toRelease);
        resolveLocked(link.m_sequence, std::move(values));
        endTaskLocked(outcome, std::move(failure), after);
        queuedWork = !queue.empty() || hasReadyLocked() || !resumers.empty();
        if (ran && *ran) {
            ranJobs.emplace_back(std::exchange(*ran, nullptr));
            if (ranJobs.size() >= MaxRanJobs)
                tooMany.swap(ranJobs);
        }
    }
    // A task that failed or was canceled takes the work it linked along; one that succeeded
    // leaves it running.
    if (outcome != Outcome::Succeeded)
        freed.takeFutures(after.toCancel, false);
    after.run();
    // The freed slot goes to the next queued task right away, from whatever thread this is,
    // rather than after a round trip through the group's thread.
    if (queuedWork)
        pump();
}

void GroupCore::follow(std::unique_ptr<Follower> follower)
{
    Group *group;
    {
        std::lock_guard lock(mutex);
        group = q;
        if (group && !onGroupThread()) {
            // A QObject for the group's thread is made on that thread: the next drain does it.
            pendingFollowers.push_back(std::move(follower));
            wakeLocked();
            return;
        }
    }
    if (group)
        new FollowWatcher(std::move(follower), group);
    // Else the group is gone, and the follower reports into nothing as it is destroyed here.
}

void GroupCore::followDirect(DirectWork &work, std::unique_ptr<Follower> follower)
{
    // q is written on the group's thread only (as the group goes): read here without the lock.
    if (!onGroupThread() || !q) {
        follow(std::move(follower));
        return;
    }
    if (work.m_future.isFinished()) {
        // It finished before the follower came (nothing told it then).
        follower->finish();
        return;
    }
    auto follow = std::make_unique<DirectFollow>(this, &work, std::move(follower));
    if (const std::optional<QFuture<void>> caller = follow->m_follower->callerFuture()) {
        CallerWatcher *watcher;
        if (idleCallerWatchers.empty()) {
            watcher = new CallerWatcher(q, *caller);
        } else {
            watcher = static_cast<CallerWatcher *>(idleCallerWatchers.back());
            idleCallerWatchers.pop_back();
        }
        watcher->watch(follow->m_follower.get(), *caller);
        follow->m_callerWatcher = watcher;
        follow->m_follower->callerHeard();
    }
    follow->link();
    work.m_follow = std::move(follow);
}

void GroupCore::finishDirect(std::unique_ptr<DirectFollow> follow)
{
    follow->unlink();
    follow->m_follower->finish();
}

void GroupCore::cancelDirect(DirectFollow &follow)
{
    follow.m_follower->canceled();
}

void GroupCore::dropDirect(std::unique_ptr<DirectFollow> follow)
{
    follow->unlink();
    Follower::follow(std::move(follow->m_follower));
}

void GroupCore::dropDirectFollows()
{
    // One at a time: a follower destroyed runs user code (its caller future's continuations),
    // which may end other works.
    while (DirectFollow *const first = directFollows) {
        std::unique_ptr<DirectFollow> follow = std::move(first->m_work->m_follow);
        follow->unlink();
    }
    idleCallerWatchers.clear(); // the group's children: they go with it
}

void GroupCore::watchPendingFollowers()
{
    std::vector<std::unique_ptr<Follower>> pending;
    std::vector<std::pair<TaskRef, QFuture<void>>> owns;
    {
        std::lock_guard lock(mutex);
        pending.swap(pendingFollowers);
        owns.swap(pendingOwnWatches);
    }
    for (std::unique_ptr<Follower> &follower : pending)
        new FollowWatcher(std::move(follower), q);
    for (const auto &[ref, own] : owns)
        new OwnWatcher(self.lock(), ref, own, q);
}

// ---- The task model ---------------------------------------------------------------------------

QString GroupCore::keyNameLocked(int key) const
{
    return key >= 0 && keyTable ? (*keyTable)[key].name : QString();
}

void GroupCore::startTrackingLocked()
{
    if (tracker)
        return;
    tracker = std::make_unique<TaskTracker>();
    const qint64 now = TaskTracker::now();
    // Running tasks with a slot are known by it; those without one (plain thread-pool work
    // without a deadline) cannot be told apart: stand-ins, ended in turn as such tasks end.
    int known = 0;
    for (Slot &slot : slots) {
        if (slot.serial == 0)
            continue;
        if (!slot.resting)
            ++known;
        slot.track = tracker->spawned(keyNameLocked(slot.key), now);
    }
    for (int i = known; i < running; ++i)
        tracker->spawned({}, now, true);
    const auto track = [this](const Job *job) {
        if (!job->isDropped())
            trackQueuedLocked(job);
    };
    if (keyTable) {
        for (const Job *job : keyTable->ready)
            track(job);
        keyTable->forEachParked(track);
    }
    for (const Job *job : queue)
        track(job);
}

void GroupCore::stopTrackingLocked()
{
    tracker.reset();
    for (Slot &slot : slots)
        slot.track = -1;
}

void GroupCore::trackQueuedLocked(const Job *job)
{
    tracker->queued.emplace(job, tracker->spawned(keyNameLocked(job->key())));
}

void GroupCore::trackStartedLocked(TaskLink &link, const Job *job)
{
    const qint64 now = TaskTracker::now();
    qint64 id = job ? tracker->takeQueued(job) : -1;
    if (id < 0)
        id = tracker->spawned(keyNameLocked(link.m_key), now); // spawned and started in one
    else
        tracker->push(TrackEvent::Started, id, now);
    // Found again by its slot when it ends (or is canceled from the model).
    slotLocked(link).track = id;
}

void GroupCore::trackEndedLocked(qint64 id, int key, Outcome outcome,
                                 const std::exception_ptr &failure)
{
    TrackEvent event(TrackEvent::Ended);
    event.id = id;
    event.at = TaskTracker::now();
    event.outcome = outcome;
    event.failure = failure;
    if (id < 0) {
        event.standIn = true;
        event.key = keyNameLocked(key);
    }
    tracker->events.push_back(std::move(event));
}

void GroupCore::trackDroppedLocked(const Job *job)
{
    if (const qint64 id = tracker->takeQueued(job); id >= 0)
        trackEndedLocked(id, -1, Outcome::Canceled, {});
}

void GroupCore::trackedFuturesLocked(TrackedFutures &out) const
{
    for (const Slot &slot : slots) {
        if (slot.serial == 0 || slot.track < 0)
            continue;
        std::vector<QFuture<void>> futures;
        // The work a queued future job made first: the caller's future only mirrors its end.
        if (slot.inner)
            futures.push_back(*slot.inner);
        slot.copyFutures(futures);
        out.emplace_back(slot.track, std::move(futures));
    }
}

bool GroupCore::cancelTrackedLocked(qint64 id, Aftermath &after)
{
    if (!tracker || id < 0)
        return false;
    for (const Slot &slot : slots) {
        if (slot.serial == 0 || slot.track != id)
            continue;
        // As cancel() does it: through its futures; a posted thread-pool task has none.
        if (!slot.own && !slot.work)
            return false;
        slot.copyFutures(after.toCancel);
        return true;
    }
    for (const auto &[job, jobId] : tracker->queued) {
        if (jobId == id) {
            // The map holds the queue's own jobs, which are not const.
            dropOneQueuedLocked(const_cast<Job *>(job), after);
            return true;
        }
    }
    return false;
}

void GroupCore::dropOneQueuedLocked(Job *job, Aftermath &after)
{
    const auto finishCaller = [&] {
        if (std::function<void()> finish = job->takeCaller())
            after.toFinish.push_back(std::move(finish));
    };
    const int key = job->key();
    if (key < 0) {
        // Skipped when it comes up, as a job spawnLatest() dropped is.
        dropQueuedJobLocked(job);
        finishCaller();
        changedLocked();
        return;
    }
    KeyTable::Key &state = (*keyTable)[key];
    const auto now = rateClockLocked();
    bool wasReady = false;
    if (state.parked) {
        const auto it = std::find(state.parked->begin(), state.parked->end(), job);
        if (it != state.parked->end()) {
            state.parked->erase(it);
            dropQueuedJobLocked(job);
            after.toDelete.push_back(job); // cancels its caller's future
            armLocked(keyTable->forgetIfIdle(key, now, after.toRelease));
            changedLocked();
            return;
        }
    }
    std::deque<Job *> &ready = keyTable->ready;
    if (state.inReady && std::find(ready.begin(), ready.end(), job) != ready.end()) {
        state.inReady = false;
        wasReady = true;
    } else {
        --state.inQueue;
        if (state.queued) {
            const auto it = std::find(state.queued->begin(), state.queued->end(), job);
            Q_ASSERT(it != state.queued->end());
            if (it != state.queued->end())
                state.queued->erase(it);
        }
    }
    dropQueuedJobLocked(job);
    finishCaller();
    if (wasReady)
        armLocked(keyTable->wake(key, now)); // its key's next job may go in its place
    armLocked(keyTable->forgetIfIdle(key, now, after.toRelease));
    changedLocked();
}

} // namespace detail
} // namespace AioUtils
