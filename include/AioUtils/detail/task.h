// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Template machinery behind Group::spawn(). Not API: everything in AioUtils::detail may change
// without notice.

#ifndef AIOUTILS_DETAIL_TASK_H
#define AIOUTILS_DETAIL_TASK_H

#include <AioUtils/aioutils_core_export.h>

#include <QtCore/qfuture.h>
#include <QtCore/qpromise.h>
#include <QtCore/qvariant.h>

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

QT_BEGIN_NAMESPACE
class QThreadPool;
QT_END_NAMESPACE

namespace AioUtils {
namespace detail {

class GroupCore;

enum class Outcome : quint8 { Succeeded, Failed, Canceled };

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

// The one report a started task owes its group. Move-only: the task ends exactly once, and a
// link destroyed without reporting (work dropped by a thread pool, a continuation that never
// runs) reports Canceled, so a group never waits for a task nobody will finish.
class AIOUTILS_CORE_EXPORT TaskLink
{
public:
    TaskLink() noexcept = default;
    TaskLink(const std::shared_ptr<GroupCore> &core, quint64 epoch, qint64 sequence,
             bool wantsResults) noexcept;
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
    // While the task runs, the group's cancel() reaches it through this future.
    void setCancelHandle(const QFuture<void> &handle);
    void report(Outcome outcome, std::exception_ptr failure = {}, TaskResults results = {});

private:
    friend class TaskScope;
    friend class GroupCore;
    friend class Follower;
    std::weak_ptr<GroupCore> m_core;
    const GroupCore *m_id = nullptr; // identity only, for TaskScope; never dereferenced
    quint64 m_epoch = 0;
    qint64 m_sequence = -1; // the task's place in spawn order, for an OrderedBag
    int m_slot = -1;
    bool m_armed = false;
    bool m_wantsResults = false;
};

// Marks the current thread as executing a task of a group, so that join() from inside the task
// can refuse instead of waiting for itself.
class AIOUTILS_CORE_EXPORT TaskScope
{
public:
    explicit TaskScope(const TaskLink &link) noexcept;
    // The group's own cancellation aftermath: continuations it runs count as inside the group.
    explicit TaskScope(const GroupCore *core) noexcept;
    ~TaskScope();
    TaskScope(const TaskScope &) = delete;
    TaskScope &operator=(const TaskScope &) = delete;

private:
    const GroupCore *m_core;
    TaskScope *m_outer;
    friend class GroupCore;
};

// The outcome of a finished future. Only a canceled future can hold an exception, so the common
// path is one state load.
AIOUTILS_CORE_EXPORT Outcome canceledOutcome(const QFuture<void> &future,
                                             std::exception_ptr *failure);

template<typename T> inline Outcome outcomeOf(const QFuture<T> &future, std::exception_ptr *failure)
{
    if (!future.isCanceled())
        return Outcome::Succeeded;
    return canceledOutcome(QFuture<void>(future), failure);
}

// A finished future's results, each one a result of the task, as QVariants. A type QVariant
// cannot hold (not copyable) gives none.
template<typename T> TaskResults resultsOf(const QFuture<T> &future)
{
    TaskResults results;
    if constexpr (!std::is_void_v<T> && std::is_copy_constructible_v<T>) {
        const int count = future.resultCount();
        for (int i = 0; i < count; ++i)
            results.append(QVariant::fromValue(future.resultAt(i)));
    }
    return results;
}

// Reports the end of a finished future's task through `link`.
template<typename T> void reportFinished(const QFuture<T> &future, TaskLink &link)
{
    std::exception_ptr failure;
    const Outcome outcome = outcomeOf(future, &failure);
    TaskResults results;
    if (outcome == Outcome::Succeeded && link.wantsResults())
        results = resultsOf(future);
    link.report(outcome, std::move(failure), std::move(results));
}

// Follows one running future that this library does not own, and ends its task when the future
// finishes. The group watches it with a QFutureWatcher on the group's thread: in Qt 6.4 a second
// then() on a future replaces the first, so a continuation of ours would silently take the place
// of the caller's (or the caller's of ours); watchers can be many.
class AIOUTILS_CORE_EXPORT Follower
{
public:
    explicit Follower(TaskLink &&link) noexcept : m_link(std::move(link)) { }
    virtual ~Follower();
    Follower(const Follower &) = delete;
    Follower &operator=(const Follower &) = delete;

    virtual QFuture<void> future() const = 0;
    // The future finished: settle the task.
    virtual void finish() = 0;

    // Hands `follower` to its group (on the group's thread; from another thread by a posted
    // wake-up). Destroyed unfinished, with its group, it reports Canceled.
    static void follow(std::unique_ptr<Follower> follower);

protected:
    TaskLink m_link; // in the base: destroyed after what the derived class holds
};

// Ends the task of an adopted future (or of a future the work returned) with its outcome.
template<typename T> class AdoptFollower final : public Follower
{
public:
    AdoptFollower(const QFuture<T> &future, TaskLink &&link)
        : Follower(std::move(link)), m_future(future)
    {
    }
    QFuture<void> future() const override { return QFuture<void>(m_future); }
    void finish() override { reportFinished(m_future, m_link); }

private:
    QFuture<T> m_future;
};

// Ends the task of `future`: at once if it is finished, else through a Follower.
template<typename T> void follow(const QFuture<T> &future, TaskLink link)
{
    if (future.isFinished()) {
        reportFinished(future, link);
        return;
    }
    link.setCancelHandle(QFuture<void>(future));
    Follower::follow(std::make_unique<AdoptFollower<T>>(future, std::move(link)));
}

// Delivers the outcome of the future the work returned to the future the caller got at spawn
// time, then ends the task. Destroyed unfinished, the promise (QPromise cancels on destruction)
// is final before the link in the base reports Canceled.
template<typename T> class ForwardFollower final : public Follower
{
public:
    ForwardFollower(const QFuture<T> &inner, QPromise<T> &&outer, TaskLink &&link)
        : Follower(std::move(link)), m_inner(inner), m_outer(std::move(outer))
    {
    }
    QFuture<void> future() const override { return QFuture<void>(m_inner); }

    void finish() override
    {
        std::exception_ptr failure;
        const Outcome outcome = outcomeOf(m_inner, &failure);
        {
            // Finishing the caller's future runs its continuations here, before the task has
            // reported: to them, join() is a join from inside the task.
            TaskScope scope(m_link);
            if (outcome == Outcome::Failed) {
                m_outer.setException(failure);
            } else if (outcome == Outcome::Canceled) {
                m_outer.future().cancel();
            } else if constexpr (!std::is_void_v<T>) {
                for (int i = 0; i < m_inner.resultCount(); ++i)
                    m_outer.addResult(m_inner.resultAt(i));
            }
            m_outer.finish();
        }
        TaskResults results;
        if (outcome == Outcome::Succeeded && m_link.wantsResults())
            results = resultsOf(m_inner);
        m_link.report(outcome, std::move(failure), std::move(results));
    }

private:
    QFuture<T> m_inner;
    QPromise<T> m_outer;
};

// Type-erased lazy work waiting in a group's queue.
class AIOUTILS_CORE_EXPORT Job
{
public:
    explicit Job(bool needsGroupThread) noexcept : m_needsGroupThread(needsGroupThread) { }
    virtual ~Job();
    Job(const Job &) = delete;
    Job &operator=(const Job &) = delete;

    bool needsGroupThread() const noexcept { return m_needsGroupThread; }
    // The task's place in spawn order (an OrderedBag's sequence), given when it was queued.
    qint64 sequence() const noexcept { return m_sequence; }
    void setSequence(qint64 sequence) noexcept { m_sequence = sequence; }
    // The future the caller holds; canceled while queued means never started.
    virtual bool isCanceled() const = 0;
    // The caller's future: the group's cancel() reaches the started task through it (and, for
    // future-returning work, through the work's own future too once the work has made it).
    // Posted work has none.
    virtual std::optional<QFuture<void>> cancelHandle() const = 0;
    // Starts the work; the job owns itself from here on.
    virtual void start(TaskLink link) = 0;

private:
    qint64 m_sequence = -1;
    bool m_needsGroupThread;
};

template<typename F, typename... Args> class Call
{
public:
    using Result = std::invoke_result_t<F, Args...>;

    template<typename G, typename... A>
    explicit Call(G &&f, A &&...args) : m_f(std::forward<G>(f)), m_args(std::forward<A>(args)...)
    {
    }
    Result operator()() { return std::apply(std::move(m_f), std::move(m_args)); }

private:
    F m_f;
    std::tuple<Args...> m_args;
};

template<typename T> struct FutureValue
{
    static constexpr bool isFuture = false;
};
template<typename T> struct FutureValue<QFuture<T>>
{
    static constexpr bool isFuture = true;
    using Type = T;
};

// Callable work that runs on a thread pool; its result fills the future the caller holds.
// Started, it waits in the pool's feed (not as a QRunnable of its own) until a thread runs it.
class AIOUTILS_CORE_EXPORT PoolJobBase : public Job
{
public:
    explicit PoolJobBase(QThreadPool *pool) noexcept : Job(false), m_pool(pool) { }
    void start(TaskLink link) override;
    // On a thread of the pool: runs the work and reports the task's end. Returns the job, for
    // the feed to free later, or null when it freed itself.
    PoolJobBase *run();

protected:
    // Runs the work, fills the promise; returns how the task ended. `results`, when not null,
    // receives the result as a QVariant too.
    virtual Outcome execute(std::exception_ptr *failure, TaskResults *results) = 0;
    bool isCurrent() const { return m_link.isCurrent(); }

private:
    TaskLink m_link; // declared first: destroyed after the promise of the derived class is final
    QThreadPool *m_pool;
};

// Calls thread-pool work: its value, if it has one and `results` is given, becomes the task's
// result, and then goes to `take` (nullptr: nowhere, so the result may have it); a throw becomes
// `*failure`.
template<typename R, typename C, typename Take>
Outcome callWork(C &call, std::exception_ptr *failure, TaskResults *results, Take &&take)
{
    constexpr bool keep = !std::is_null_pointer_v<std::decay_t<Take>>;
    try {
        if constexpr (std::is_void_v<R>) {
            call();
        } else {
            R value = call();
            if constexpr (std::is_copy_constructible_v<R>) {
                if (results) {
                    if constexpr (keep)
                        results->append(QVariant::fromValue(value));
                    else
                        results->append(QVariant::fromValue(std::move(value)));
                }
            }
            if constexpr (keep)
                take(std::move(value));
        }
    } catch (...) {
        *failure = std::current_exception();
        return Outcome::Failed;
    }
    return Outcome::Succeeded;
}

template<typename R, typename C> class PoolJob final : public PoolJobBase
{
public:
    PoolJob(QThreadPool *pool, C &&call) : PoolJobBase(pool), m_call(std::in_place, std::move(call))
    {
        m_promise.start();
    }
    QFuture<R> future() const { return m_promise.future(); }
    bool isCanceled() const override { return m_promise.isCanceled(); }
    std::optional<QFuture<void>> cancelHandle() const override
    {
        return QFuture<void>(m_promise.future());
    }

protected:
    Outcome execute(std::exception_ptr *failure, TaskResults *results) override
    {
        Outcome outcome = Outcome::Succeeded;
        if (!m_promise.isCanceled()) {
            outcome = callWork<R>(*m_call, failure, results,
                                  [this](auto &&value) { m_promise.addResult(std::move(value)); });
            if (outcome == Outcome::Failed)
                m_promise.setException(*failure);
        }
        // The work's captures go now, on this thread, not after the group has seen the end.
        m_call.reset();
        // A failure beats a cancel that came in while the work ran: the work did fail.
        if (outcome == Outcome::Succeeded && m_promise.isCanceled())
            outcome = Outcome::Canceled;
        m_promise.finish();
        return outcome;
    }

private:
    QPromise<R> m_promise;
    std::optional<C> m_call;
};

// Calls `call` and hands back its future; a throwing call becomes a failed future.
template<typename T, typename C> QFuture<T> invokeForFuture(C &call)
{
    try {
        return call();
    } catch (...) {
        QFutureInterface<T> failed(QFutureInterfaceBase::Started);
        failed.reportException(std::current_exception());
        failed.reportFinished();
        return failed.future();
    }
}

// Calls future-returning work as the task of `link`, which then ends when the future it returned
// does; returns that future.
template<typename T, typename C> QFuture<T> startFutureWork(C &call, TaskLink link)
{
    QFuture<T> future;
    {
        TaskScope scope(link);
        future = invokeForFuture<T>(call);
    }
    follow(future, std::move(link));
    return future;
}

// Queued work that returns QFuture<T>: called on the group's thread once a slot is free; its
// future's outcome is forwarded to the future the caller got at spawn time.
template<typename T, typename C> class FutureJob final : public Job
{
public:
    explicit FutureJob(C &&call) : Job(true), m_call(std::move(call)) { m_promise.start(); }
    QFuture<T> future() const { return m_promise.future(); }
    bool isCanceled() const override { return m_promise.isCanceled(); }
    std::optional<QFuture<void>> cancelHandle() const override
    {
        return QFuture<void>(m_promise.future());
    }

    void start(TaskLink link) override
    {
        std::unique_ptr<FutureJob> self(this);
        QFuture<T> inner;
        {
            TaskScope scope(link);
            inner = invokeForFuture<T>(m_call);
        }
        if (!inner.isFinished())
            link.setCancelHandle(QFuture<void>(inner));
        auto forward =
                std::make_unique<ForwardFollower<T>>(inner, std::move(m_promise), std::move(link));
        if (inner.isFinished())
            forward->finish();
        else
            Follower::follow(std::move(forward));
    }

private:
    QPromise<T> m_promise;
    C m_call;
};

// Posted callable work (Group::post()): like PoolJob, without a future for a caller. A queued
// posted task is a few dozen bytes, where a QFuture's shared state alone is about 450.
template<typename R, typename C> class PostedPoolJob final : public PoolJobBase
{
public:
    PostedPoolJob(QThreadPool *pool, C &&call)
        : PoolJobBase(pool), m_call(std::in_place, std::move(call))
    {
    }
    bool isCanceled() const override { return false; }
    std::optional<QFuture<void>> cancelHandle() const override { return std::nullopt; }

protected:
    Outcome execute(std::exception_ptr *failure, TaskResults *results) override
    {
        // Nothing reaches running work that has no future; what has not begun yet is skipped.
        Outcome outcome = Outcome::Canceled;
        if (isCurrent())
            outcome = callWork<R>(*m_call, failure, results, nullptr);
        // The work's captures go now, on this thread, not when the job is freed.
        m_call.reset();
        return outcome;
    }

private:
    std::optional<C> m_call;
};

// Posted work that returns QFuture<T>: called on the group's thread once a slot is free; the task
// ends when that future does.
template<typename T, typename C> class PostedFutureJob final : public Job
{
public:
    explicit PostedFutureJob(C &&call) : Job(true), m_call(std::move(call)) { }
    bool isCanceled() const override { return false; }
    std::optional<QFuture<void>> cancelHandle() const override { return std::nullopt; }

    void start(TaskLink link) override
    {
        std::unique_ptr<PostedFutureJob> self(this);
        startFutureWork<T>(m_call, std::move(link));
    }

private:
    C m_call;
};

} // namespace detail
} // namespace AioUtils

#endif // AIOUTILS_DETAIL_TASK_H
