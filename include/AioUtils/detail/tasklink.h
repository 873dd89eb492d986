// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// How a task reports to its group: its outcome and results (TaskResults) through the one
// TaskLink it owns, and which task the current thread runs (TaskScope). Not API: everything in
// AioUtils::detail may change without notice.

#ifndef AIOUTILS_DETAIL_TASKLINK_H
#define AIOUTILS_DETAIL_TASKLINK_H

#include <AioUtils/aioutils_core_export.h>

#include <QtCore/qfuture.h>
#include <QtCore/qvariant.h>

#include <atomic>
#include <exception>
#include <memory>
#include <utility>

namespace AioUtils {
namespace detail {

class GroupCore;
class DirectWork;

enum class Outcome : quint8 { Succeeded, Failed, Canceled };

// What a timeout does to the future a group made for a task's caller. Qt cannot keep an
// exception next to results in one future (it leaks them), nor take one after a cancel, so:
// Fail: the timer puts the TimeoutError in it (no result can be there before the task ends, and
// only the timer reports an exception then: a QPromise<void> callable, queued future work);
// Deferred: the worker puts it there when the callable returns (a plain thread-pool callable,
// which could not see a cancel anyway; it publishes its value only after claiming its end, see
// TaskTiming); Cancel: the future is canceled (a QPromise<T> callable, which adds results itself
// at any time).
enum class TimeoutMode : quint8 { Fail, Deferred, Cancel };

// The deadline of a thread-pool task, shared by its worker and its group without a lock: the
// worker notes when it begins, and claims its end before it publishes its value; the group's
// timer times the task out only by claiming it first. Made only for tasks with a deadline.
struct TaskTiming
{
    enum State : int { Queued, Running, Ended, TimedOut };
    std::atomic<int> state { Queued };
    std::atomic<qint64> startedNs { 0 }; // steady clock, when state became Running
};

// The future a group made for a task's caller, through which canceling the task reaches it.
struct CallerFuture
{
    QFuture<void> future;
    TimeoutMode onTimeout = TimeoutMode::Fail;
    // Whether the job hears of a cancel of `future` itself (a queued future job's Follower), so
    // that the group need not watch it for the work the task links.
    bool watched = false;
};

// The message of a task's failure, as taskFailed() carries it: what() of the exception (of the
// one inside, for a QUnhandledException of QtConcurrent); "unknown exception" when it is no
// std::exception.
AIOUTILS_CORE_EXPORT QString failureMessage(const std::exception_ptr &failure);

// A task's results on their way to its Bag, in order. The one result most tasks have is kept
// inline: nothing to allocate on the thread that makes it, nothing to free on the one that takes
// it.
class TaskResults
{
public:
    TaskResults() noexcept = default;
    TaskResults(TaskResults &&) noexcept = default;
    TaskResults &operator=(TaskResults &&) noexcept = default;

    void append(QVariant value)
    {
        if (m_count++ == 0) {
            m_first = std::move(value);
            return;
        }
        if (!m_more)
            m_more = std::make_unique<QVariantList>();
        m_more->append(std::move(value));
    }
    qsizetype size() const noexcept { return m_count; }
    bool isEmpty() const noexcept { return m_count == 0; }
    // Moves the results to the end of `out` (a QVariantList or a std::deque<QVariant>).
    template<typename Out> void moveTo(Out &out)
    {
        if (m_count == 0)
            return;
        out.push_back(std::move(m_first));
        if (m_more) {
            for (QVariant &value : *m_more)
                out.push_back(std::move(value));
            m_more.reset();
        }
        m_count = 0;
    }

private:
    QVariant m_first;
    std::unique_ptr<QVariantList> m_more; // the rare second and later results
    qsizetype m_count = 0;
};

class Job;
class TaskRef;

// The one report a started task owes its group. Move-only: the task ends exactly once, and a
// link destroyed without reporting (work dropped by a thread pool, a continuation that never
// runs) reports Canceled, so a group never waits for a task nobody will finish.
class AIOUTILS_CORE_EXPORT TaskLink
{
public:
    TaskLink() noexcept = default;
    TaskLink(const std::shared_ptr<GroupCore> &core, quint64 epoch, qint64 sequence,
             bool wantsResults, int timeoutMs) noexcept;
    TaskLink(TaskLink &&other) noexcept;
    TaskLink &operator=(TaskLink &&other) noexcept;
    TaskLink(const TaskLink &) = delete;
    TaskLink &operator=(const TaskLink &) = delete;
    ~TaskLink();

    explicit operator bool() const noexcept { return m_armed; }
    // Whether the group keeps results (a Bag): only then are they converted to QVariant.
    bool wantsResults() const noexcept { return m_wantsResults; }

    // Whether the task still belongs to a live group's current round: false once the group
    // was canceled or destroyed. Posted work, which has no future to cancel, asks this.
    bool isCurrent() const;
    // The work has begun: `own`, when given, is the future the task's caller holds (an adopted
    // future, or the one future-returning work gave), and the task's deadline (the group's
    // taskTimeout when the task started) starts now. Without a timeout and without `own`,
    // it costs nothing.
    void begin(const QFuture<void> *own = nullptr);
    // While the task runs, canceling it (through its group, its own future, or its deadline)
    // cancels `future` too: work it linked, or a queued future job's inner work. Returns the
    // task, or a null ref when it was canceled already (and `future` with it).
    TaskRef cancelWith(const QFuture<void> &future);
    // A queued future job's work made `future`: canceled with the task, like linked work.
    void setInnerWork(const QFuture<void> &future);
    // The task, to link work to it later; a null ref once it was canceled or timed out.
    TaskRef ref();
    // Thread-pool work with a deadline: whether the work, ending now, beat its deadline (then
    // no timeout can fail its future any more, and it may publish its value). True without one.
    int timeoutMs() const noexcept { return m_timeoutMs; }
    bool claimEnd() noexcept
    {
        int running = TaskTiming::Running;
        return !m_timing || m_timing->state.compare_exchange_strong(running, TaskTiming::Ended);
    }
    // `ran`, when given, is the thread-pool job that ran the task: the group takes it (the
    // pointer is nulled) to free it on its own thread, unless the report is too late to count.
    void report(Outcome outcome, std::exception_ptr failure = {}, TaskResults results = {},
                Job **ran = nullptr);

private:
    friend class TaskScope;
    friend class TaskRef;
    friend class GroupCore;
    friend class Follower;
    std::weak_ptr<GroupCore> m_core;
    const GroupCore *m_id = nullptr; // identity only, for TaskScope; never dereferenced
    quint64 m_epoch = 0;
    quint64 m_serial = 0;   // which task holds m_slot; set with it
    qint64 m_sequence = -1; // the task's place in spawn order, for an OrderedBag
    int m_slot = -1;
    int m_timeoutMs = 0;                  // the group's taskTimeout when the task started
    std::unique_ptr<TaskTiming> m_timing; // a thread-pool task's deadline, if it has one
    int m_key = -1; // a keyed task's key (its group's index of it); next to the flags: no padding
    bool m_armed = false;
    bool m_wantsResults = false;
};

// A running task, as work it started remembers it (an Http.get() request, whose promise
// reactions link what they start to the same task): not the task's report, only a way to link
// more to it. Copyable; a task that has ended or was canceled links nothing more (work linked to
// a canceled task is canceled at once).
class AIOUTILS_CORE_EXPORT TaskRef
{
public:
    TaskRef() noexcept = default;
    explicit operator bool() const noexcept { return !m_core.expired(); }
    // Like TaskLink::cancelWith(); returns whether the task was still running.
    bool cancelWith(const QFuture<void> &future) const;
    // While the task waits for nothing but time (`waiting`, a request waiting out its retry
    // backoff, is linked to it), it gives its slot back: it counts as queued, and a queued task
    // may start in its place. Not while other work the task linked still runs (the task is
    // busy). Returns whether it rests now (false for a null ref, or a task that ended or was
    // canceled).
    bool rest(const QFuture<void> &waiting) const;
    // The rest is over: the future finishes once a slot is the task's again, at once when one
    // is free and no resting task waits before it (also when the task no longer rests). It is
    // canceled when the task was canceled or ended, and when the group is gone.
    QFuture<void> resume() const;
    // The rest ends now, whether or not a slot is free (the work it waited for was canceled, and
    // the task goes on): the task counts as running, over the limit if it must.
    void endRest() const;

private:
    friend class GroupCore;
    friend class TaskScope;
    friend class Follower;
    TaskRef(std::weak_ptr<GroupCore> core, const GroupCore *id, quint64 epoch, quint64 serial,
            int slot) noexcept
        : m_core(std::move(core)), m_id(id), m_epoch(epoch), m_serial(serial), m_slot(slot)
    {
    }
    // The task of `link`, which holds a slot.
    explicit TaskRef(const TaskLink &link) noexcept
        : TaskRef(link.m_core, link.m_id, link.m_epoch, link.m_serial, link.m_slot)
    {
    }
    std::weak_ptr<GroupCore> m_core;
    const GroupCore *m_id = nullptr;
    quint64 m_epoch = 0;
    quint64 m_serial = 0;
    int m_slot = -1;
};

// A function of this library, named by a queued task's callable (spawn(AioUtils::fetch, ...)).
using WorkTag = void (*)();

// The caller's promise of a queued future task (a QPromise<T> *), offered to the function its
// callable names: that function may fulfil it itself instead of making a future of its own,
// which the group would then forward to the caller's (one future state, no forwarding, no
// second watcher). `promise` is null once taken.
struct PromiseOffer
{
    WorkTag work;
    void *promise;
};

// Marks the current thread as executing a task of a group (the one current-task mechanism), so
// that join() from inside the task can refuse instead of waiting for itself, and work the task
// starts can be linked to it (linkToCurrentTask()).
class AIOUTILS_CORE_EXPORT TaskScope
{
public:
    explicit TaskScope(TaskLink &link) noexcept;
    // Code that runs for a task later (a promise reaction of its request) counts as inside it.
    explicit TaskScope(const TaskRef &ref) noexcept;
    // The group's own cancellation aftermath: continuations it runs count as inside the group.
    explicit TaskScope(const GroupCore *core) noexcept;
    ~TaskScope();
    TaskScope(const TaskScope &) = delete;
    TaskScope &operator=(const TaskScope &) = delete;

    // While the task's callable runs (see PromiseOffer).
    void offerPromise(PromiseOffer *offer) noexcept { m_promiseOffer = offer; }
    // The promise offered to `work`, if the callable this thread runs for a task named it and no
    // one took it yet: a QPromise<T> * of the T the work returns, now the work's to fulfil.
    // Null otherwise.
    static void *takeOfferedPromise(WorkTag work) noexcept;

private:
    const GroupCore *m_core;
    TaskLink *m_link = nullptr; // null in the group's cancellation aftermath, or for a ref
    const TaskRef *m_ref = nullptr;
    TaskScope *m_outer;
    DirectWork *m_offered = nullptr; // the last DirectWork the task's callable made
    PromiseOffer *m_promiseOffer = nullptr;
    friend class GroupCore;
    friend class DirectWork;
    friend AIOUTILS_CORE_EXPORT TaskRef linkToCurrentTask(const QFuture<void> &work);
    friend AIOUTILS_CORE_EXPORT TaskRef currentTask();
};

// Ties `work` to the task this thread runs (its synchronous part: inside the callable, or the
// function a QML group calls): while that task runs, canceling it (through its group, its own
// future or its deadline) cancels `work` too. Returns the task, to link more to it later; a null
// ref, doing nothing, outside a task.
AIOUTILS_CORE_EXPORT TaskRef linkToCurrentTask(const QFuture<void> &work);

// The task this thread runs, to link work to it later (see TaskRef); a null ref outside a task.
AIOUTILS_CORE_EXPORT TaskRef currentTask();

} // namespace detail
} // namespace AioUtils

#endif // AIOUTILS_DETAIL_TASKLINK_H
