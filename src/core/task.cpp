// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// The out-of-line code behind include/AioUtils/detail/task.h: how a task reports to its group
// (TaskLink), which task this thread runs (TaskScope), and how a thread-pool job starts and runs.

#include "futures_p.h"
#include "groupcore_p.h"
#include "threadpoolfeed_p.h"
#include "tsan_p.h"

#include <QtCore/qexception.h>
#include <QtCore/qfuture.h>
#include <QtCore/qthreadpool.h>

#include <chrono>

namespace AioUtils {
namespace detail {

namespace {
// The task this thread runs, innermost first (a task that runs another group's work inline).
thread_local TaskScope *t_currentTask = nullptr;
} // namespace

TaskLink::TaskLink(const std::shared_ptr<GroupCore> &core, quint64 epoch, qint64 sequence,
                   bool wantsResults, int timeoutMs) noexcept
    : m_core(core), m_id(core.get()), m_epoch(epoch), m_sequence(sequence), m_timeoutMs(timeoutMs),
      m_armed(true), m_wantsResults(wantsResults)
{
}

TaskLink::TaskLink(TaskLink &&other) noexcept
    : m_core(std::move(other.m_core)), m_id(other.m_id), m_epoch(other.m_epoch),
      m_serial(other.m_serial), m_sequence(other.m_sequence), m_slot(other.m_slot),
      m_timeoutMs(other.m_timeoutMs), m_timing(std::move(other.m_timing)), m_key(other.m_key),
      m_armed(std::exchange(other.m_armed, false)), m_wantsResults(other.m_wantsResults)
{
}

TaskLink &TaskLink::operator=(TaskLink &&other) noexcept
{
    if (this != &other) {
        report(Outcome::Canceled);
        m_core = std::move(other.m_core);
        m_id = other.m_id;
        m_epoch = other.m_epoch;
        m_serial = other.m_serial;
        m_sequence = other.m_sequence;
        m_slot = other.m_slot;
        m_timeoutMs = other.m_timeoutMs;
        m_key = other.m_key;
        m_timing = std::move(other.m_timing);
        m_armed = std::exchange(other.m_armed, false);
        m_wantsResults = other.m_wantsResults;
    }
    return *this;
}

TaskLink::~TaskLink()
{
    report(Outcome::Canceled);
}

void TaskLink::begin(const QFuture<void> *own)
{
    if (m_timing) {
        // A thread-pool task: its deadline counts from now, and its group's timer learns of
        // it without a lock.
        m_timing->startedNs.store(std::chrono::steady_clock::now().time_since_epoch().count(),
                                  std::memory_order_relaxed);
        m_timing->state.store(TaskTiming::Running, std::memory_order_release);
        return;
    }
    if (!m_armed || (!own && m_timeoutMs <= 0))
        return;
    if (const auto core = m_core.lock())
        core->begin(*this, own);
}

TaskRef TaskLink::cancelWith(const QFuture<void> &future)
{
    if (!m_armed)
        return {};
    if (const auto core = m_core.lock())
        return core->cancelWith(*this, future, GroupCore::Role::Linked);
    return {};
}

TaskRef TaskLink::ref()
{
    if (!m_armed)
        return {};
    if (const auto core = m_core.lock())
        return core->refOf(*this);
    return {};
}

void TaskLink::setInnerWork(const QFuture<void> &future)
{
    if (!m_armed)
        return;
    if (const auto core = m_core.lock())
        core->cancelWith(*this, future, GroupCore::Role::Inner);
}

bool TaskRef::cancelWith(const QFuture<void> &future) const
{
    if (const auto core = m_core.lock())
        return core->cancelWith(*this, future);
    return false;
}

bool TaskRef::rest(const QFuture<void> &waiting) const
{
    const auto core = m_core.lock();
    return core && core->rest(*this, waiting);
}

void TaskRef::endRest() const
{
    if (const auto core = m_core.lock())
        core->endRest(*this);
}

QFuture<void> TaskRef::resume() const
{
    if (const auto core = m_core.lock())
        return core->resume(*this);
    return canceledFuture<void>();
}

bool TaskLink::isCurrent() const
{
    if (!m_armed)
        return false;
    const auto core = m_core.lock();
    return core && core->currentEpoch() == m_epoch;
}

void TaskLink::report(Outcome outcome, std::exception_ptr failure, TaskResults results, Job **ran)
{
    if (!std::exchange(m_armed, false))
        return;
    if (const auto core = m_core.lock())
        core->report(*this, outcome, std::move(failure), std::move(results), ran);
}

TaskScope::TaskScope(TaskLink &link) noexcept
    : m_core(link.m_id), m_link(&link), m_outer(t_currentTask)
{
    t_currentTask = this;
}

TaskScope::TaskScope(const TaskRef &ref) noexcept
    : m_core(ref.m_id), m_ref(&ref), m_outer(t_currentTask)
{
    t_currentTask = this;
}

TaskScope::TaskScope(const GroupCore *core) noexcept : m_core(core), m_outer(t_currentTask)
{
    t_currentTask = this;
}

TaskScope::~TaskScope()
{
    t_currentTask = m_outer;
    if (m_offered)
        m_offered->m_scope = nullptr;
}

void *TaskScope::takeOfferedPromise(WorkTag work) noexcept
{
    // Only the task's own callable (the innermost scope) sees it, and only once: work that runs
    // inside it and names the same function makes a future of its own.
    TaskScope *const scope = t_currentTask;
    if (!scope || !scope->m_promiseOffer || scope->m_promiseOffer->work != work)
        return nullptr;
    // Null in the offer from now on: the task learns it was taken.
    return std::exchange(std::exchange(scope->m_promiseOffer, nullptr)->promise, nullptr);
}

DirectWork::DirectWork(const QFuture<void> &future) noexcept : m_future(future)
{
    // Offered to the callable of a task that runs here (not to code that runs for a task later,
    // nor to a group's aftermath: neither returns a future the group follows).
    TaskScope *const scope = t_currentTask;
    if (!scope || !scope->m_link)
        return;
    if (scope->m_offered)
        scope->m_offered->m_scope = nullptr;
    scope->m_offered = this;
    m_scope = scope;
}

DirectWork::~DirectWork()
{
    for (Survival *survival = m_survivals; survival; survival = survival->m_outer)
        survival->m_work = nullptr;
    if (m_scope)
        m_scope->m_offered = nullptr;
    stopFollowing();
}

DirectWork *DirectWork::offeredFor(const TaskScope &scope, const QFuture<void> &future)
{
    DirectWork *const work = scope.m_offered;
    if (!work || QFutureInterfaceBase::get(work->m_future) != QFutureInterfaceBase::get(future))
        return nullptr;
    return work;
}

void DirectWork::workFinished()
{
    workFinished(takeFollow()); // last: it may delete this work
}

DirectFollow *DirectWork::takeFollow() noexcept
{
    return m_follow.release();
}

void DirectWork::workFinished(DirectFollow *follow)
{
    if (follow)
        GroupCore::finishDirect(std::unique_ptr<DirectFollow>(follow));
}

void DirectWork::stopFollowing()
{
    if (m_follow)
        GroupCore::dropDirect(std::move(m_follow));
}

void DirectWork::workCanceled()
{
    if (m_follow)
        GroupCore::cancelDirect(*m_follow);
}

TaskRef linkToCurrentTask(const QFuture<void> &work)
{
    TaskScope *const scope = t_currentTask;
    if (!scope)
        return {};
    if (scope->m_ref) {
        if (scope->m_ref->cancelWith(work))
            return *scope->m_ref;
        return {};
    }
    if (!scope->m_link)
        return {};
    return scope->m_link->cancelWith(work);
}

TaskRef currentTask()
{
    TaskScope *const scope = t_currentTask;
    if (!scope)
        return {};
    if (scope->m_ref)
        return *scope->m_ref;
    if (!scope->m_link)
        return {};
    return scope->m_link->ref();
}

QString failureMessage(const std::exception_ptr &failure)
{
    try {
        std::rethrow_exception(failure);
    } catch (const QUnhandledException &e) {
        // QtConcurrent wraps what the work threw; the inner exception says what went wrong.
        if (e.exception())
            return failureMessage(e.exception());
        return QStringLiteral("unhandled exception");
    } catch (const std::exception &e) {
        return QString::fromLocal8Bit(e.what());
    } catch (...) {
        return QStringLiteral("unknown exception");
    }
}

Outcome canceledOutcome(const QFuture<void> &future, std::exception_ptr *failure)
{
    // waitForFinished() is the public way to reach a finished future's exception.
    try {
        QFuture<void>(future).waitForFinished();
    } catch (...) {
        *failure = std::current_exception();
        return Outcome::Failed;
    }
    return Outcome::Canceled;
}

Job::~Job() = default;

Follower::~Follower() = default;

void Follower::canceled()
{
    if (!m_link.m_armed || m_link.m_slot < 0)
        return; // nothing linked
    if (const std::shared_ptr<GroupCore> core = m_link.m_core.lock())
        core->cancelLinked(TaskRef(m_link));
}

void Follower::follow(std::unique_ptr<Follower> follower)
{
    if (const std::shared_ptr<GroupCore> core = follower->m_link.m_core.lock())
        core->follow(std::move(follower));
}

void Follower::followDirect(DirectWork &work, std::unique_ptr<Follower> follower)
{
    if (const std::shared_ptr<GroupCore> core = follower->m_link.m_core.lock())
        core->followDirect(work, std::move(follower));
}

void ThreadPoolJobBase::start(TaskLink link)
{
    m_link = std::move(link);
    if (ThreadPoolFeed *const feed = ThreadPoolFeed::of(m_pool))
        feed->push(this); // from here on, the job belongs to the pool's threads
    else
        delete this; // Qt's global pool is gone (the program is exiting): the task is canceled
}

Job *ThreadPoolJobBase::run()
{
    std::exception_ptr failure;
    TaskResults results;
    Outcome outcome;
    {
        TaskScope scope(m_link);
        // Its deadline counts from here: time waiting for a thread is queued time.
        m_link.begin();
        outcome = execute(&failure, m_link.wantsResults() ? &results : nullptr);
    }
    if (outcome != Outcome::Succeeded)
        results = {};
    TaskLink link = std::move(m_link);
    link.claimEnd(); // ended: a timeout that comes now is too late
    Job *ran = this;
    if (outcome == Outcome::Failed) {
        // The job's promise holds the exception too. Freed now, before the report hands the
        // failure to the group's thread, the job leaves the last reference to whoever drops it
        // after reading what(). Freed later (by its group, by a spawn on another thread, or by a
        // pool thread past the group's bound), it could free the exception while a third thread
        // reads the caller's future, with no order ThreadSanitizer can see (the reference count
        // lives in libsupc++).
        delete this;
        ran = nullptr;
    }
    link.report(outcome, std::move(failure), std::move(results), &ran);
    return ran;
}

bool GroupCore::isInsideTask(const GroupCore *core)
{
    for (const TaskScope *scope = t_currentTask; scope; scope = scope->m_outer) {
        if (scope->m_core == core)
            return true;
    }
    return false;
}

} // namespace detail
} // namespace AioUtils
