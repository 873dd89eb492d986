// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Not API: private to the AioUtils implementation, never installed.

#ifndef AIOUTILS_GROUPCORE_P_H
#define AIOUTILS_GROUPCORE_P_H

#include "keytable_p.h"
#include "ring_p.h"
#include "spinningmutex_p.h"
#include "tasktracker_p.h"

#include <AioUtils/group.h>

#include <QtCore/qcoreevent.h>
#include <QtCore/qpromise.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

QT_BEGIN_NAMESPACE
class QThread;
QT_END_NAMESPACE

namespace AioUtils {
namespace detail {

// The event that wakes a group's thread: one posted event for any number of task ends.
QEvent::Type wakeEventType();

// Everything a task may touch after it started, from any thread. The Group owns it; tasks keep a
// weak reference, so a task ending after its group died finds nothing and does nothing.
//
// Its state is private: Group, Pool, Bag and ResultModel change it only through the methods
// below. A method named ...Locked() expects `mutex` to be held by the caller.
class DirectFollow;

class GroupCore
{
public:
    static std::shared_ptr<GroupCore> create(Group *group);
    explicit GroupCore(Group *group); // use create(): `self` must be set
    // Makes this a Bag's core (an OrderedBag's with `ordered`). Right after create(), once.
    void keepResults(bool ordered);
    // Whether the group keeps results (a Bag). Fixed after construction: no lock needed.
    bool keepsResults() const noexcept { return results != nullptr; }

    // Work taken out under the lock and carried out after it: canceling futures and destroying
    // jobs run user code (continuations, destructors of captures).
    struct Aftermath
    {
        std::vector<QFuture<void>> toCancel;
        std::vector<Job *> toDelete;
        std::vector<std::unique_ptr<Follower>> toDrop;
        // Resting tasks whose slot is theirs again (see TaskRef::resume()): finished after the
        // lock; those of canceled tasks are let go (which cancels their futures).
        std::vector<QPromise<void>> toResume;
        std::vector<QPromise<void>> toAbandon;
        // The callers' promises of jobs dropped while they stay queued (spawnLatest()), taken
        // out of the jobs: finished as canceled now; the jobs are freed when they come up.
        std::vector<std::function<void()>> toFinish;
        // spawnOnce() futures a key let go: destroyed last, after the lock.
        KeyTable::Released toRelease;
        // Set by cancelLocked(): the round may not end before this aftermath has run. Strong:
        // the aftermath runs user code (continuations of canceled futures), which may delete
        // the group.
        std::shared_ptr<GroupCore> settles;
        void run();
    };

    // Waits (250 ms at most) until the cancels another thread is still carrying out have run (a
    // CancelOnFailure cancel by a task that failed on a worker thread): they hold the round open.
    // Returns at once on a thread inside an aftermath itself, whose continuations may be what
    // they wait for.
    void waitForSettlesLocked(std::unique_lock<std::mutex> &lock);

    bool onGroupThread() const;
    static bool isInsideTask(const GroupCore *core);

    // ---- Tasks coming in (Group::submit(), spawn(QFuture)) -------------------------------------
    // A task that may start now (nothing queued before it, a free slot, room in a Bag, and the
    // group's thread when it needs it): counted as spawned and running, with the link it reports
    // through. Else a null link, and the caller queues the job.
    // `spare`: a TaskTiming made before the lock was taken (see spareTiming()), taken if needed.
    TaskLink reserveLocked(bool needsGroupThread, const CallerFuture *cancelHandle,
                           std::unique_ptr<TaskTiming> &spare);
    // A TaskTiming for a thread-pool task about to start, made outside the lock when the group
    // has a timeout (malloc under the lock would hold up every thread that reports).
    std::unique_ptr<TaskTiming> spareTiming() const
    {
        if (timeoutHint.load(std::memory_order_relaxed) > 0)
            return std::make_unique<TaskTiming>();
        return nullptr;
    }
    // Queues `job` in spawn order; returns whether the queue's front may start now (then the
    // caller pumps).
    bool enqueueLocked(Job *job);
    // A keyed job (see KeyTable): started now (`link` set, for the caller to start the job with),
    // queued (returns whether the queue's front may start now: then the caller pumps), or, for
    // spawnOnce(), not taken (`keyed.existing` set; the caller deletes it). spawnLatest() first
    // cancels the key's tasks (their futures into `after`).
    bool submitKeyedLocked(Job *job, KeyedSpawn &keyed, TaskLink &link, Aftermath &after,
                           std::unique_ptr<TaskTiming> &spare);
    // An adopted running future: it takes a slot at once, whatever the limit.
    TaskLink adoptLocked();
    // An adopted future that had finished already: spawned and ended in one step.
    void adoptFinishedLocked(Outcome outcome, std::exception_ptr failure, TaskResults results,
                             Aftermath &after);

    // ---- Tasks running and ending (any thread) -------------------------------------------------
    // Starts queued jobs while slots are free. Re-entered on the same thread (a started job whose
    // future is finished already ends at once), it leaves the work to the outer loop.
    void pump();
    // `ran`: see TaskLink::report() and ranJobs.
    void report(const TaskLink &link, Outcome outcome, std::exception_ptr failure,
                TaskResults results, Job **ran = nullptr);
    // See TaskLink::begin().
    void begin(TaskLink &link, const QFuture<void> *own);
    // While the task of `link` runs, canceling it cancels `future` too. Returns the task.
    // How a future belongs to a task. Made: the future the group made for the caller; Own: the
    // caller's future the group did not make; Linked: work linked to the task; Inner: a queued
    // future job's work, whose Follower hears of the caller's cancel itself.
    enum class Role : quint8 { Made, Own, Linked, Inner };
    TaskRef cancelWith(TaskLink &link, const QFuture<void> &future, Role role);
    bool cancelWith(const TaskRef &ref, const QFuture<void> &future);
    // The task's own future was canceled (or failed): what it linked is canceled.
    void cancelLinked(const TaskRef &ref);
    // See TaskRef::rest() and resume(). A resting task counts as queued, holds its slot of the
    // registry (its futures, its deadline) but none of maxConcurrency, and still counts against
    // a Bag's buffer limit (it will give a result).
    bool rest(const TaskRef &ref, const QFuture<void> &waiting);
    QFuture<void> resume(const TaskRef &ref);
    void endRest(const TaskRef &ref);
    TaskRef refOf(TaskLink &link);
    // Which cancel() the group is at: a task whose epoch is older was canceled.
    quint64 currentEpoch() const noexcept { return epoch.load(std::memory_order_relaxed); }
    void follow(std::unique_ptr<Follower> follower);
    // `work` (see DirectWork) tells `follower` when its future finished: no QFutureWatcher on it.
    // A queued future job's caller future is still watched, for the caller's cancel. Elsewhere
    // than on the group's thread, or with the group gone, as follow().
    void followDirect(DirectWork &work, std::unique_ptr<Follower> follower);
    // What DirectWork does with the follow a group gave it (on its thread, the group's): its
    // future finished (the task ends now); it was canceled; the work is destroyed before its
    // future finished (the follower is watched the usual way from here on, so that its task
    // ends after this, not inside the destructor of whatever deleted the work).
    static void finishDirect(std::unique_ptr<DirectFollow> follow);
    static void cancelDirect(DirectFollow &follow);
    static void dropDirect(std::unique_ptr<DirectFollow> follow);
    // The group is going (on its thread): the tasks that DirectWork follows end Canceled now, as
    // those a QFutureWatcher follows do (their watchers are the group's children).
    void dropDirectFollows();
    // On the group's thread: watch what follow() queued from other threads, and the group-made
    // futures of tasks that linked work.
    void watchPendingFollowers();

    // ---- The round ---------------------------------------------------------------------------
    void cancelLocked(Aftermath &after);
    // taskTimeout: 0 is none. Applies to tasks that start from now on.
    int taskTimeoutLocked() const { return timeoutMs; }
    bool setTaskTimeoutLocked(int ms)
    {
        timeoutHint.store(ms, std::memory_order_relaxed);
        return std::exchange(timeoutMs, ms) != ms;
    }
    // On the group's thread, when the deadline timer fires: the tasks whose deadline has passed
    // are canceled with everything linked to them, and fail with TimeoutError.
    void expireLocked(Aftermath &after);
    // The group is being destroyed: the round is canceled, waiters wake, and tasks that end
    // later find nothing. Returns the promise joined() handed out, to be let go after the lock.
    std::optional<QPromise<void>> detachLocked(Aftermath &after);
    bool isIdleLocked() const { return !roundActive; }
    QFuture<void> joinedLocked();
    std::exception_ptr firstFailureLocked() const { return firstFailure; }
    // Every failure of the current (or last) round, in order; firstFailure is the first.
    QList<std::exception_ptr> failuresLocked() const { return roundFailures; }

    struct Counts
    {
        int spawned, queued, running, finished, failed;
    };
    Counts countsLocked() const { return { spawned, queued, running, finished, failed }; }

    int maxConcurrencyLocked() const { return maxConcurrency; }
    // Sets the limit (0: unlimited), raised to the minimum; returns whether it changed.
    bool setMaxConcurrencyLocked(int limit);
    int minimumConcurrencyLocked() const { return minimumConcurrency; }
    void setMinimumConcurrencyLocked(int minimum) { minimumConcurrency = minimum; }
    // How many more tasks could start now; INT_MAX when unlimited.
    int freeSlotCountLocked() const;
    bool slotFreeLocked() const { return maxConcurrency == 0 || running < maxConcurrency; }
    // Whether a task spawned now would start at once (Group::slotAvailable()): nothing queued
    // ahead of it, a free slot, not paused, room in a Bag's buffer.
    bool wouldStartLocked() const
    {
        return queue.empty() && !hasReadyLocked() && resumers.empty() && mayStartLocked(nullptr);
    }
    // slotAvailable() found none because of the rateLimit: the group's timer comes when it may.
    void armRateLocked();

    // ---- Keys and rates (see KeyTable) -----------------------------------------------------
    int limitPerKeyLocked() const { return limitPerKey; }
    qreal rateLimitLocked() const { return rate; }
    qreal rateLimitPerKeyLocked() const { return ratePerKey; }
    // Each returns whether it changed; the caller pumps.
    bool setLimitPerKeyLocked(int limit);
    bool setRateLimitLocked(qreal startsPerSecond);
    bool setRateLimitPerKeyLocked(qreal startsPerSecond);
    Group::FailurePolicy policyLocked() const { return policy; }
    bool isPausedLocked() const { return paused; }
    // Returns whether it changed.
    bool setPausedLocked(bool pause);
    // Returns whether it changed.
    bool setPolicyLocked(Group::FailurePolicy newPolicy);

    // ---- The group's thread ------------------------------------------------------------------
    void wakeLocked();
    // What a drain owes the group's signals, taken in one critical section.
    struct Notices
    {
        std::vector<std::exception_ptr> failures; // taskFailed owed, in order
        bool countsChanged = false;
        bool idleChanged = false;
        bool roundEnded = false;
        std::optional<QPromise<void>> promise; // joined()'s, to be finished with the round
        std::exception_ptr failure;            // the round's first failure
        bool canceled = false;
        // When the group's timer (deadlines, rates) is to fire next, if it must be (re)started.
        std::optional<std::chrono::steady_clock::time_point> timerDue;
        // The round ended: jobs spawnLatest() dropped that were still queued, to delete, and the
        // keys' spawnOnce() futures, to let go.
        std::vector<Job *> dropped;
        KeyTable::Released released;
        // For the task model, if the group has one. (Optional: a deque allocates as it is made,
        // and every drain makes Notices.)
        std::optional<TrackEvents> tracked;
        std::optional<int> modelLimit; // taskModelLimit, when it changed
        // Freed last, as the drain ends (see ranJobs).
        std::vector<std::unique_ptr<Job>> ranJobs;
    };
    // A drain begins: a next task end posts a fresh wake-up.
    void wokenLocked() { wakePosted = false; }
    // Ends the round if it is over and `emissionsDone` (a Bag owes no resultReady), offering the
    // end to waiters at once; takes what the signals owe.
    Notices takeNoticesLocked(bool emissionsDone);

    // ---- The task model (Group::taskModel(); see TaskTracker) ---------------------------------
    // Tracks every task from now on. The first events are the rows of the tasks queued or
    // running now.
    void startTrackingLocked();
    bool isTrackingLocked() const { return tracker != nullptr; }
    // The model was deleted (by hand, before its group): nothing is recorded any more.
    void stopTrackingLocked();
    int taskModelLimitLocked() const { return modelLimit; }
    // Returns whether it changed; the next drain tells the model.
    bool setTaskModelLimitLocked(int limit)
    {
        if (std::exchange(modelLimit, limit) == limit)
            return false;
        modelLimitChanged = true;
        wakeLocked();
        return true;
    }
    TrackEvents takeTrackEventsLocked()
    {
        return tracker ? std::exchange(tracker->events, {}) : TrackEvents();
    }
    // The futures of every running tracked task, by id: where its progress shows.
    using TrackedFutures = std::vector<std::pair<qint64, std::vector<QFuture<void>>>>;
    void trackedFuturesLocked(TrackedFutures &out) const;
    // Cancels the tracked task `id`: a queued one never starts (its row ends now), a running one
    // has its futures canceled (its row ends when it does). False when it is neither, or when it
    // runs with no future to cancel (posted thread-pool work, which cannot be stopped). The
    // caller pumps.
    bool cancelTrackedLocked(qint64 id, Aftermath &after);

    // ---- Waits (join(), Bag::next(), Pool::waitAvailable()) ------------------------------------
    // A std::mutex rather than QMutex: its waits are visible to ThreadSanitizer, QWaitCondition's
    // are not (they happen inside QtCore). Waits on `changed` lock mutex.native().
    mutable SpinningMutex mutex;
    std::condition_variable changed; // for waiters off the group's thread

    // A wait, registered while it lasts.
    struct Waiter
    {
        // Called under the lock; true ends the wait. It may note what it saw in the same
        // critical section (join() notes the round's end and failure, see RoundEnd), so that
        // nothing running after it (a slot that begins the next round) can change that.
        std::function<bool(GroupCore &)> take;
        bool done = false;
    };
    void addWaiterLocked(Waiter *waiter) { waiters.push_back(waiter); }
    void removeWaiterLocked(Waiter *waiter);
    // Offers the state as it is now to every waiter still waiting; true if one is done now.
    bool offerLocked();

    // What a wait saw when it saw the round end: which round, and its failure (a copy, so that
    // the slots of the round's end still see firstFailure).
    struct RoundEnd
    {
        quint64 round = 0;
        std::exception_ptr failure;
    };
    RoundEnd roundEndLocked() const { return { roundNumber, firstFailure }; }
    // After the wait: the failure the waiter is to rethrow, cleared from firstFailure. Null when
    // another waiter took it first. A next round begun since has cleared it already.
    std::exception_ptr claimLocked(const RoundEnd &end)
    {
        if (end.round != roundNumber) {
            // Its record was cleared by the new round; whether a waiter took it is noted.
            if (!end.failure || end.round == claimedRound)
                return nullptr;
            claimedRound = end.round;
            return end.failure;
        }
        if (!end.failure || firstFailure != end.failure)
            return nullptr;
        return takeFirstFailureLocked();
    }

    // ---- Results (a Bag; call only when keepsResults()) ----------------------------------------
    // put(): `value` takes the next place, as a task's result.
    void putLocked(QVariant value);
    // Moves what may be delivered now, in delivery order, out of the arrival buffers. Returns
    // whether a queued task may start now because an OrderedBag's next place to deliver moved
    // (the one startAllowedLocked(job) lets past the buffer limit).
    bool takeDeliverableLocked(QVariantList &out);
    // The same, straight into the retained results (no view or slot is told of them).
    bool retainDeliverableLocked();
    bool deliverableLocked() const
    {
        if (results->ordered)
            return !results->window.empty() && results->window.front().has_value();
        return !results->incoming.empty();
    }
    // Delivered results waiting to be taken: the model's rows.
    qsizetype retainedCountLocked() const { return qsizetype(results->retained.size()); }
    const QVariant &retainedAtLocked(qsizetype row) const
    {
        return results->retained[std::size_t(row)];
    }
    void retainLocked(QVariant value) { results->retained.push_back(std::move(value)); }
    // A taken result that found no taker goes back to the front.
    void putBackLocked(QVariant value) { results->retained.push_front(std::move(value)); }
    // Takes `count` (at most retainedCountLocked()) from the front.
    QVariantList takeRetainedLocked(qsizetype count);
    std::optional<QVariant> takeFirstRetainedLocked();
    // Nothing retained, nothing on its way, the round ended.
    bool drainedLocked() const
    {
        return results->retained.empty() && !roundActive && results->undelivered == 0;
    }
    // The round's first failure; the round's failures are cleared with it.
    std::exception_ptr takeFirstFailureLocked()
    {
        roundFailures.clear();
        if (firstFailure)
            claimedRound = roundNumber;
        return std::exchange(firstFailure, nullptr);
    }
    bool hasQueuedLocked() const { return !queue.empty() || hasReadyLocked(); }
    // A Bag's consumer took results: the room it made lets a queued task start only under a
    // bufferLimit.
    bool takeMayStartLocked() const { return results->bufferLimit > 0 && hasQueuedLocked(); }
    // A Bag's results, delivered or not, until taken (0 for a plain Group).
    int bufferedLocked() const
    {
        return results ? results->undelivered + int(results->retained.size()) : 0;
    }
    // Whether bufferedLocked() moved since it was last told; it counts as told from here.
    bool bufferedChangedLocked();
    int bufferLimitLocked() const { return results->bufferLimit; }
    // 0: unlimited. Returns whether it changed.
    bool setBufferLimitLocked(int limit);
    // A drain that ran while emissions were owed left the round open: wake one to end it.
    void wakeIfRoundOverLocked();

private:
    friend class DirectFollow;
    qint64 beginTaskLocked();
    void endTaskLocked(Outcome outcome, std::exception_ptr failure, Aftermath &after);
    // A failure of this round, recorded, counted and signaled.
    void recordFailureLocked(std::exception_ptr failure);
    void changedLocked();
    // Nothing queued or running, no cancel still being carried out, no result on its way.
    bool roundOverLocked() const
    {
        return running == 0 && queued == 0 && settling == 0
                && (!results || results->undelivered == 0);
    }
    // A started task's link. A thread-pool task (`onPool`) with a deadline gets its TaskTiming
    // and a deadline entry now, checked against when it really began once it comes due.
    TaskLink linkLocked(const CallerFuture *cancelHandle, qint64 sequence, bool onPool,
                        std::unique_ptr<TaskTiming> *spare = nullptr);
    // Whether the task of (epoch, slot, serial) still runs in this round: not canceled, not
    // timed out, not ended.
    bool isLiveLocked(quint64 taskEpoch, int slot, quint64 serial) const
    {
        return taskEpoch == epoch.load(std::memory_order_relaxed)
                && (slot < 0 || slots[std::size_t(slot)].serial == serial);
    }
    void registerLocked(TaskLink &link, const QFuture<void> &handle, Role role);
    void registerLocked(int slot, const QFuture<void> &handle, Role role);
    void timeOutLocked(int slot, int timeoutMs, Aftermath &after);
    // Takes the next queued job that may start now on this thread, with the link it reports
    // through; null when none may.
    Job *takeStartableLocked(TaskLink &link, Aftermath &after, std::unique_ptr<TaskTiming> &spare);

    // `sequence` is the task's place (-1 unordered); no values means the task gave none (void,
    // failed, canceled), which in order still fills its place.
    qint64 takeSequenceLocked();
    void resolveLocked(qint64 sequence, TaskResults &&values);
    // Moves the results that may be delivered now, in delivery order, to the end of `out` (a
    // QVariantList or the retained Ring); returns how many, and whether a place of an
    // OrderedBag's window was delivered. Then deliveredLocked() with what it returned.
    template<typename Out> std::pair<qsizetype, bool> moveDeliverableLocked(Out &out);
    bool deliveredLocked(qsizetype count, bool moved);

    // Backpressure: a task that starts may add a result, so running tasks count toward the
    // limit too; the buffer then never grows past it (adopted futures aside, which run at once).
    // The one rule for starting a task now: a free slot, the rateLimit, and room in a Bag's
    // buffer. `job` is the next to start, or null for a task that never queued (spawn() into an
    // empty queue). (A keyed task asks its key too: KeyTable::admits().)
    Q_ALWAYS_INLINE bool mayStartLocked(const Job *job) const
    {
        return !paused && slotFreeLocked() && rateOpenLocked()
                && (job ? startAllowedLocked(job) : startAllowedLocked());
    }
    bool rateOpenLocked() const { return startInterval.count() == 0 || rateElapsedLocked(); }
    // Out of line: only a group with a rateLimit reads the clock.
    bool rateElapsedLocked() const;
    // The clock, when a rate needs it (a default time point otherwise, never read).
    std::chrono::steady_clock::time_point rateClockLocked() const
    {
        if (startInterval.count() > 0 || (keyTable && keyTable->interval.count() > 0))
            return std::chrono::steady_clock::now();
        return {};
    }
    // A task starts now (`now` from rateClockLocked()): the rateLimit counts from here.
    void noteStartLocked(std::chrono::steady_clock::time_point now)
    {
        // The rule read the clock a moment after `now`: the start counts from when the rule let
        // it go, never less than an interval after the last.
        if (startInterval.count() > 0)
            lastStart = lastStart ? std::max(now, *lastStart + startInterval) : now;
    }
    // A key is held back until `due`: the group's timer looks again then.
    void armLocked(const std::optional<std::chrono::steady_clock::time_point> &due)
    {
        if (due && *due < timerDue)
            wakeLocked();
    }
    // When the group's timer must fire next (deadlines, rates); max() when it need not.
    std::chrono::steady_clock::time_point nextTimerLocked() const;
    bool hasReadyLocked() const { return keyTable && !keyTable->ready.empty(); }
    // The next job to start: a key's ready job, else the queue's front; null when none.
    Job *nextJobLocked() const
    {
        if (hasReadyLocked())
            return keyTable->ready.front();
        return queue.empty() ? nullptr : queue.front();
    }
    KeyTable &keysLocked();
    // A keyed task started as `link`'s task (its slot records the key).
    void startedKeyedLocked(TaskLink &link, int key, bool fromReady,
                            std::chrono::steady_clock::time_point now);
    // A keyed task ended: its key may let its next job go.
    void releaseKeyLocked(int key, KeyTable::Released &released);
    // spawnLatest(): every queued task of the key is dropped (accounted as finished now), and
    // every running one canceled.
    void dropKeyLocked(int key, Aftermath &after);
    // A queued job leaves for good without starting: counted as finished.
    void dropQueuedJobLocked(Job *job);
    // An OrderedBag over its buffer limit: moves the task next to deliver, if it waits in
    // `ready` behind others, to its front. Returns whether it did.
    bool takeNextToDeliverLocked();
    bool startAllowedLocked() const
    {
        return !results || results->bufferLimit == 0
                || bufferedLocked() + running + resting < results->bufferLimit;
    }
    // In an OrderedBag, the task whose place is next to deliver may start over the limit when
    // results after it have arrived (a put(), say): they can only be delivered, and so taken,
    // once it ends, so holding it back would stall the bag. Only then, though: with nothing
    // held back behind it (started in order, every task would be "next to deliver"), or with
    // results to take that fill the buffer without those behind it, it waits like any other.
    bool startAllowedLocked(const Job *job) const
    {
        return startAllowedLocked()
                || (results->ordered && job->sequence() == results->deliverSequence
                    && results->undelivered > 0
                    && int(results->retained.size()) + running + resting < results->bufferLimit);
    }

    std::weak_ptr<GroupCore> self;
    std::vector<Waiter *> waiters;

    // What a Bag keeps. Values arrive from any thread (under the lock) and are delivered, on the
    // group's thread, into `retained`, where they wait to be taken.
    struct Results
    {
        bool ordered = false;
        int bufferLimit = 0;        // 0: unlimited
        qint64 nextSequence = 0;    // ordered: the next place to hand out
        qint64 deliverSequence = 0; // ordered: the next place to deliver
        // Ordered: the places [deliverSequence, nextSequence); empty optional = not ended yet.
        // Its length is the out-of-order window, not the number of results.
        Ring<std::optional<TaskResults>> window;
        Ring<QVariant> incoming; // unordered: arrived, not yet delivered
        int undelivered = 0;     // values in window and incoming
        Ring<QVariant> retained; // delivered, not yet taken: the model's rows
        int bufferedSignaled = 0;
    };
    std::unique_ptr<Results> results; // null for a plain Group or Pool

    Group *q; // null once the group is gone
    QThread *const thread;
    bool wakePosted = false;

    int maxConcurrency = 0;     // 0: unlimited
    int minimumConcurrency = 0; // a Pool never runs unlimited
    Group::FailurePolicy policy = Group::ContinueOnFailure;
    bool paused = false; // no queued task starts

    // The current round. running counts started tasks that have not reported yet.
    bool roundActive = false;
    quint64 roundNumber = 0; // counts the rounds begun
    // The last round whose first failure a waiter took (join(), next(), nextResult()): taken once,
    // even when a next round began before another waiter of that round's end claimed it.
    quint64 claimedRound = 0;
    bool roundCanceled = false;
    bool roundFailed = false;
    int spawned = 0;
    int queued = 0;
    int running = 0;
    int finished = 0;
    int failed = 0;
    int settling = 0; // cancel() aftermaths still running on some thread
    int resting = 0;  // started tasks that gave their slot back for a while; counted in queued
    std::exception_ptr firstFailure;         // until join() takes it or the next round begins
    QList<std::exception_ptr> roundFailures; // all of them, in order; cleared with firstFailure
    std::optional<QPromise<void>> roundPromise;
    // Bumped by cancel(): reports carrying an older epoch belong to tasks already accounted for.
    // Written under the lock; posted work reads it without, to skip work canceled before it ran.
    std::atomic<quint64> epoch = 1;
    // The epoch when the current (or last) round began, or when work was last spawned into it
    // after a cancel: a report from a task canceled since carries an epoch in [roundEpoch, epoch),
    // and its failure still belongs to this round.
    quint64 roundEpoch = 1;

    std::deque<Job *> queue;
    // Futures of running tasks, for cancel(); a finished task's slot is reused.
    // Most tasks have one or two: the work's own future, and the caller's when it is another
    // one. Work the task linked to itself (linkToCurrentTask()) adds more, rarely.
    struct Slot
    {
        // The future the task's caller holds: the one the group made for spawn(), an adopted
        // one, or the one future-returning work gave.
        std::optional<QFuture<void>> own;
        std::optional<QFuture<void>> work;         // the first future linked to the task
        std::vector<QFuture<void>> more;           // the others
        quint64 serial = 0;                        // the task that holds the slot; 0 when free
        qint64 sequence = -1;                      // its place in an OrderedBag
        bool ownMade = false;                      // `own` is the group's: a timeout fails it
        TimeoutMode onTimeout = TimeoutMode::Fail; // how, when ownMade
        // A thread-pool task's deadline: its link owns it, and outlives the slot (a link
        // reports, which frees the slot, before it goes), so this is read under the lock
        // while the slot is the task's.
        TaskTiming *timing = nullptr;
        bool ownWatched = false; // a watcher hears when `own` is canceled
        bool resting = false;    // gave its place among the running back (TaskRef::rest())
        // A queued future job's work, the future the task waits for (also in work/more).
        std::optional<QFuture<void>> inner;
        int key = -1;      // a keyed task's key (its KeyTable index)
        qint64 track = -1; // its id in the task model, when the group has one
        // Moves the futures to `out` (the caller's own future too when `withOwn`; else it stays).
        void takeFutures(std::vector<QFuture<void>> &out, bool withOwn);
        // Copies of every future of the task (its own, then what it linked): canceling them
        // cancels the task (spawnLatest(), the task model's cancel(row)).
        void copyFutures(std::vector<QFuture<void>> &out) const;
    };
    // The slot of `link`'s running task, taken now if it has none yet.
    Slot &slotLocked(TaskLink &link);
    std::vector<Slot> slots;
    std::vector<int> freeSlots;
    // Resting tasks that want their slot back, first come first served, before any queued job.
    struct Resumer
    {
        int slot;
        quint64 serial;
        QPromise<void> promise;
    };
    std::deque<Resumer> resumers;
    // A resting task of `slot` runs again (or ends): it counts as running.
    void unrestLocked(Slot &slot);
    // The task of `index` no longer rests, whatever it waited for (it goes on, or ends): it counts
    // as running, and its Resumer, if any, goes into `abandoned` (to be let go after the lock).
    void stopRestingLocked(int index, std::vector<QPromise<void>> &abandoned);
    // Gives free slots to resumers waiting for one; returns whether none is left waiting.
    bool grantResumersLocked(Aftermath &after);

    quint64 nextSerial = 0;

    // Keyed tasks; made on the first one (or the first per-key setting).
    std::unique_ptr<KeyTable> keyTable;
    int limitPerKey = 0;
    qreal rate = 0;
    qreal ratePerKey = 0;
    // rateLimit: the spacing of starts, and when the last one was (none: the next may start).
    std::chrono::steady_clock::duration startInterval { 0 };
    std::optional<std::chrono::steady_clock::time_point> lastStart;
    bool rateArmed = false; // something waits for the rateLimit: the timer comes for it
    // Watchers to set up on the group's thread: a group-made future of a task that linked work
    // (canceling that future cancels the work).
    std::vector<std::pair<TaskRef, QFuture<void>>> pendingOwnWatches;

    // Deadlines of running tasks (taskTimeout), in start order; an entry whose task has ended
    // is stale and dropped when it reaches the front. One timer on the group's thread, set for
    // the front, serves them all.
    struct Deadline
    {
        std::chrono::steady_clock::time_point at;
        int slot;
        int timeoutMs;
        quint64 serial;
    };
    void armDeadlineLocked(TaskLink &link);
    void pushDeadlineLocked(const Deadline &deadline);
    void dropStaleDeadlinesLocked();
    std::deque<Deadline> deadlines;
    std::chrono::steady_clock::time_point timerDue = std::chrono::steady_clock::time_point::max();
    int timeoutMs = 0;
    std::atomic<int> timeoutHint = 0; // timeoutMs, read without the lock
    // Roughly when thread-pool tasks with a deadline start (see linkLocked()).
    std::chrono::steady_clock::time_point startClock;
    quint32 linkedWithDeadline = 0;
    // Futures to watch, handed in from threads other than the group's.
    std::vector<std::unique_ptr<Follower>> pendingFollowers;
    // The follows DirectWork holds for this group's tasks, most recent first; used on the group's
    // thread only (no lock), where the works run.
    DirectFollow *directFollows = nullptr;
    // CallerWatchers (the group's children) done with, to use again; at most this many kept.
    static constexpr std::size_t IdleCallerWatchers = 64;
    std::vector<QObject *> idleCallerWatchers;

    // Notifications owed to the group's thread, emitted by the next drain.
    std::vector<std::exception_ptr> failures; // taskFailed owed; messages made on the drain
    bool countsDirty = false;
    bool idleSignaled = true;

    // The task model's half here; null until taskModel() is first called. The hooks below are
    // out of line: a group without a model pays a null test. (Last: the fields above keep the
    // places they had before the model came.)
    std::unique_ptr<TaskTracker> tracker;
    int modelLimit = 1000;
    bool modelLimitChanged = false;
    void trackQueuedLocked(const Job *job);
    // A task started (`job`: from the queue; null: at once, or adopted): it gets a slot.
    void trackStartedLocked(TaskLink &link, const Job *job);
    // `id` -1: a stand-in's task (see TrackEvent::standIn), of key `key`.
    void trackEndedLocked(qint64 id, int key, Outcome outcome, const std::exception_ptr &failure);
    void trackDroppedLocked(const Job *job);
    QString keyNameLocked(int key) const;
    // A queued job leaves for good (cancelTrackedLocked()), wherever it waits.
    void dropOneQueuedLocked(Job *job, Aftermath &after);

public:
    // Thread-pool jobs that ran, taken with their reports, to be freed on the group's thread by
    // the next drain (Notices), or in batches by the next spawn (takeRanJobsLocked(), on the
    // spawning thread, usually the group's). Memory freed on the thread that allocated it is
    // reused there at once (glibc's per-thread caches); freed by the pool threads, every job and
    // its future's state went back to another thread's malloc arena, and the spawning thread, the
    // critical path of a burst, did not get it back. A group thread that does not return to its
    // event loop (blocked, or without one) holds them, and a result nobody else holds with each,
    // until MaxRanJobs: then the reporting pool thread frees them. (Last among the fields: in the
    // middle, it moved the hot fields the workers and the spawning thread share onto other cache
    // lines, and the gain went.)
    std::vector<std::unique_ptr<Job>> ranJobs;
    static constexpr std::size_t RanJobsBatch = 64;
    static constexpr std::size_t MaxRanJobs = 256;
    // The ran jobs, when there are enough for a batch: a spawn frees them after the lock.
    std::vector<std::unique_ptr<Job>> takeRanJobsLocked()
    {
        std::vector<std::unique_ptr<Job>> taken;
        if (ranJobs.size() >= RanJobsBatch)
            taken.swap(ranJobs);
        return taken;
    }
};

// The follow a DirectWork holds for its group's task (see GroupCore::followDirect()): the task's
// Follower, a watcher of the caller's future when that is another one, and its place in the
// group's list (on the group's thread only).
class DirectFollow
{
public:
    DirectFollow(GroupCore *core, DirectWork *work, std::unique_ptr<Follower> follower) noexcept
        : m_follower(std::move(follower)), m_core(core), m_work(work)
    {
    }
    ~DirectFollow() { unlink(); }
    DirectFollow(const DirectFollow &) = delete;
    DirectFollow &operator=(const DirectFollow &) = delete;

    // Into the group's list.
    void link();
    // Out of the group's list, and deaf to the caller's future: nothing done from here on posts
    // an event to a watcher of ours.
    void unlink();

    std::unique_ptr<Follower> m_follower;
    QObject *m_callerWatcher = nullptr; // a child of the group; given back by unlink()
    GroupCore *m_core;
    DirectWork *m_work;
    DirectFollow *m_prev = nullptr;
    DirectFollow *m_next = nullptr;
};

} // namespace detail
} // namespace AioUtils

#endif // AIOUTILS_GROUPCORE_P_H
