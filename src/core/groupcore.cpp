// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// GroupCore: the engine every task of a group reports to, from any thread (see groupcore_p.h).

#include "groupcore_p.h"
#include "tsan_p.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qfuturewatcher.h>
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
class FollowWatcher final : public QFutureWatcher<void>
{
public:
    FollowWatcher(std::unique_ptr<Follower> follower, Group *group)
        : QFutureWatcher<void>(group), m_follower(std::move(follower))
    {
        connect(this, &QFutureWatcherBase::finished, this, [this] {
            std::unique_ptr<Follower> done = std::move(m_follower);
            deleteLater();
            if (done)
                done->finish();
        });
        setFuture(m_follower->future());
    }

private:
    std::unique_ptr<Follower> m_follower;
};
} // namespace

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

TaskLink GroupCore::reserveLocked(bool needsGroupThread, const QFuture<void> *cancelHandle)
{
    // Behind queued tasks it queues too: spawn order is start order.
    if (!queue.empty() || !mayStartLocked(nullptr) || (needsGroupThread && !onGroupThread()))
        return {};
    const qint64 sequence = beginTaskLocked();
    return linkLocked(cancelHandle, sequence);
}

bool GroupCore::enqueueLocked(Job *job)
{
    job->setSequence(beginTaskLocked());
    queue.push_back(job);
    ++queued;
    return mayStartLocked(queue.front());
}

TaskLink GroupCore::adoptLocked()
{
    const qint64 sequence = beginTaskLocked();
    return linkLocked(nullptr, sequence);
}

void GroupCore::adoptFinishedLocked(Outcome outcome, std::exception_ptr failure, TaskResults values,
                                    Aftermath &after)
{
    const qint64 sequence = beginTaskLocked();
    ++running;
    resolveLocked(sequence, std::move(values));
    endTaskLocked(outcome, std::move(failure), after);
}

std::optional<QPromise<void>> GroupCore::detachLocked(Aftermath &after)
{
    q = nullptr;
    cancelLocked(after);
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
    if (paused)
        return 0;
    if (maxConcurrency == 0)
        return std::numeric_limits<int>::max();
    return std::max(0, maxConcurrency - running);
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
    notices.failures.swap(failures);
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

void GroupCore::Aftermath::run()
{
    {
        // Destroyed jobs finish their callers' futures as canceled, whose continuations run
        // here; a join() in them must refuse, not wait for this aftermath.
        TaskScope scope(settles.get());
        for (QFuture<void> &future : toCancel)
            future.cancel();
        toCancel.clear();
        for (Job *job : toDelete)
            delete job;
        toDelete.clear();
        toDrop.clear();
    }
    if (const std::shared_ptr<GroupCore> core = std::exchange(settles, nullptr)) {
        std::lock_guard lock(core->mutex);
        --core->settling;
        core->changedLocked();
    }
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

bool GroupCore::takeDeliverableLocked(QVariantList &out)
{
    if (!results)
        return false;
    bool moved = false;
    if (results->ordered) {
        auto &window = results->window;
        while (!window.empty() && window.front()) {
            window.front()->moveTo(out);
            window.pop_front();
            ++results->deliverSequence;
            moved = true;
        }
    } else {
        out.append(std::move(results->incoming));
        results->incoming.clear();
    }
    results->undelivered -= int(out.size());
    // A place that ended empty and is delivered now can make a queued task the next to deliver,
    // which may start over the buffer limit: nothing else would look at the queue. Asked of the
    // one rule, so that only a delivery that lets a task start costs a pump.
    return moved && !queue.empty() && mayStartLocked(queue.front());
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
    if (!after.settles) {
        after.settles = self.lock();
        ++settling;
    }
    for (Slot &slot : slots) {
        if (slot.first)
            after.toCancel.push_back(std::move(*slot.first));
        if (slot.second)
            after.toCancel.push_back(std::move(*slot.second));
        for (QFuture<void> &future : slot.more)
            after.toCancel.push_back(std::move(future));
    }
    slots.clear();
    freeSlots.clear();
    after.toDelete.insert(after.toDelete.end(), queue.begin(), queue.end());
    queue.clear();
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

TaskLink GroupCore::linkLocked(const QFuture<void> *cancelHandle, qint64 sequence)
{
    ++running;
    TaskLink link(self.lock(), epoch, sequence, results != nullptr);
    if (cancelHandle)
        registerLocked(link, *cancelHandle);
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
    }
    return slots[std::size_t(link.m_slot)];
}

void GroupCore::registerLocked(TaskLink &link, const QFuture<void> &handle)
{
    Slot &slot = slotLocked(link);
    if (!slot.first)
        slot.first = handle;
    else if (!slot.second)
        slot.second = handle;
    else
        slot.more.push_back(handle);
}

void GroupCore::cancelWith(TaskLink &link, const QFuture<void> &handle)
{
    {
        std::lock_guard lock(mutex);
        if (link.m_epoch == epoch) {
            registerLocked(link, handle);
            return;
        }
    }
    // The task was canceled while the future was being made.
    QFuture<void>(handle).cancel();
}

Job *GroupCore::takeStartableLocked(TaskLink &link, Aftermath &after)
{
    while (!queue.empty() && mayStartLocked(queue.front())) {
        Job *job = queue.front();
        if (job->isCanceled()) {
            // Canceled by its caller while it waited: it never starts.
            queue.pop_front();
            --queued;
            ++finished;
            resolveLocked(job->sequence(), {});
            after.toDelete.push_back(job);
            changedLocked();
            continue;
        }
        if (job->needsGroupThread() && !onGroupThread()) {
            wakeLocked();
            return nullptr;
        }
        queue.pop_front();
        --queued;
        const std::optional<QFuture<void>> handle = job->cancelHandle();
        link = linkLocked(handle ? &*handle : nullptr, job->sequence());
        changedLocked();
        return job;
    }
    return nullptr;
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
    for (;;) {
        Aftermath after;
        TaskLink link;
        Job *job;
        {
            std::lock_guard lock(mutex);
            job = takeStartableLocked(link, after);
        }
        after.run();
        if (!job)
            break;
        // One at a time: the work may cancel the group, and then the rest must not start.
        job->start(std::move(link));
    }
    t_pumping = scope.outer;
}

void GroupCore::report(int slot, quint64 taskEpoch, qint64 sequence, Outcome outcome,
                       std::exception_ptr failure, TaskResults values)
{
    Aftermath after;
    Slot freed; // its futures are let go after the lock: the last reference frees the results
    bool queuedWork;
    {
        std::lock_guard lock(mutex);
        if (taskEpoch != epoch) {
            // Accounted for already, by cancel(). A failure still counts: nothing user work
            // threw is dropped. It is this round's unless a next round has begun since; then it
            // is only signaled.
            if (outcome == Outcome::Failed) {
                // Not roundFailed: that a first failure cancels the round under CancelOnFailure
                // is for the round's live work.
                if (taskEpoch >= roundEpoch) {
                    recordFailureLocked(std::move(failure));
                } else {
                    failures.push_back(std::move(failure));
                }
                changedLocked();
            }
            return;
        }
        if (slot >= 0) {
            freed = std::exchange(slots[std::size_t(slot)], {});
            freeSlots.push_back(slot);
        }
        resolveLocked(sequence, std::move(values));
        endTaskLocked(outcome, std::move(failure), after);
        queuedWork = !queue.empty();
    }
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

void GroupCore::watchPendingFollowers()
{
    std::vector<std::unique_ptr<Follower>> pending;
    {
        std::lock_guard lock(mutex);
        pending.swap(pendingFollowers);
    }
    for (std::unique_ptr<Follower> &follower : pending)
        new FollowWatcher(std::move(follower), q);
}

} // namespace detail
} // namespace AioUtils
