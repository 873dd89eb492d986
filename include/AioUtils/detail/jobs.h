// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Work a group stores until a slot is free: the stored call (Call), thread-pool jobs with and
// without a future for the caller, and jobs whose work returns a QFuture. Not API: everything in
// AioUtils::detail may change without notice.

#ifndef AIOUTILS_DETAIL_JOBS_H
#define AIOUTILS_DETAIL_JOBS_H

#include <AioUtils/aioutils_core_export.h>
#include <AioUtils/detail/follow.h>
#include <AioUtils/detail/tasklink.h>

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
class AIOUTILS_CORE_EXPORT ThreadPoolJobBase : public Job
{
public:
    explicit ThreadPoolJobBase(QThreadPool *pool) noexcept : Job(false), m_pool(pool) { }
    void start(TaskLink link) override;
    // On a thread of the pool: runs the work and reports the task's end. Returns the job, for
    // the feed to free later, or null when it freed itself.
    ThreadPoolJobBase *run();

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

template<typename R, typename C> class ThreadPoolJob final : public ThreadPoolJobBase
{
public:
    ThreadPoolJob(QThreadPool *pool, C &&call)
        : ThreadPoolJobBase(pool), m_call(std::in_place, std::move(call))
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

// Posted callable work (Group::post()): like ThreadPoolJob, without a future for a caller. A queued
// posted task is a few dozen bytes, where a QFuture's shared state alone is about 450.
template<typename R, typename C> class PostedThreadPoolJob final : public ThreadPoolJobBase
{
public:
    PostedThreadPoolJob(QThreadPool *pool, C &&call)
        : ThreadPoolJobBase(pool), m_call(std::in_place, std::move(call))
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

#endif // AIOUTILS_DETAIL_JOBS_H
