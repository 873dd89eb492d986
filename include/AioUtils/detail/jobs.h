// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Work a group stores until a slot is free: the stored call (Call), what the caller holds
// (Caller: spawn()'s future, or nothing for post()), and the two kinds of job, ThreadPoolJob (the
// work runs on a thread pool) and FutureJob (the work returns a QFuture). Not API: everything in
// AioUtils::detail may change without notice.

#ifndef AIOUTILS_DETAIL_JOBS_H
#define AIOUTILS_DETAIL_JOBS_H

#include <AioUtils/aioutils_core_export.h>
#include <AioUtils/detail/follow.h>
#include <AioUtils/detail/tasklink.h>
#include <AioUtils/timeouterror.h>

#include <QtCore/qfuture.h>
#include <QtCore/qpromise.h>
#include <QtCore/qvariant.h>

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <typeinfo>
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
    // A keyed task's key, as its group's index of it; -1 for an unkeyed task.
    int key() const noexcept { return m_key; }
    void setKey(int key) noexcept { m_key = key; }
    // Dropped by spawnLatest() while queued: accounted for already, never started.
    bool isDropped() const noexcept { return m_dropped; }
    void drop() noexcept { m_dropped = true; }
    // The future the caller holds; canceled while queued means never started.
    virtual bool isCanceled() const = 0;
    // The caller's future: the group's cancel() reaches the started task through it (and, for
    // future-returning work, through the work's own future too once the work has made it).
    // Posted work has none.
    virtual std::optional<CallerFuture> cancelHandle() const = 0;
    // Starts the work; the job owns itself from here on.
    virtual void start(TaskLink link) = 0;
    // Dropped while it stays queued (spawnLatest()): takes the caller's promise out of the job,
    // as a call that finishes it canceled (running its continuations) after the group's lock.
    // The job, freed later, no longer touches it. Empty for posted work.
    virtual std::function<void()> takeCaller() { return {}; }

private:
    qint64 m_sequence = -1;
    int m_key = -1;
    bool m_needsGroupThread;
    bool m_dropped = false;
};

// A keyed spawn (Group::spawn(const Key &, ...), spawnOnce(), spawnLatest(), post(const Key &,
// ...)): what it asks of its group, and what the group found.
enum class KeyMode : quint8 { Plain, Once, Latest };
struct KeyedSpawn
{
    QString key;
    KeyMode mode = KeyMode::Plain;
    const std::type_info *type = nullptr; // the result type of the caller's future; null: post()
    QFuture<void> handed;                 // the caller's future (spawn)
    // The same future as a QFuture of `type`: a typed reference keeps its results alive (a
    // QFuture<void> does not) for a spawnOnce() that finds it after it finished.
    std::shared_ptr<void> typed;
    // Set by the group: spawnOnce() found this task of the key, of the same result type (its
    // `typed`); or found one of another type (a programming error: a warning, and a new task).
    std::shared_ptr<void> existing;
    bool typeMismatch = false;
};

template<typename H> struct IsFuture : std::false_type
{
};
template<typename T> struct IsFuture<QFuture<T>> : std::true_type
{
    using Type = T;
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
    // The function called, when it is one (not a lambda or another callable object).
    WorkTag workTag() const noexcept
    {
        if constexpr (std::is_pointer_v<F> && std::is_function_v<std::remove_pointer_t<F>>)
            return reinterpret_cast<WorkTag>(m_f);
        else
            return nullptr;
    }

private:
    F m_f;
    std::tuple<Args...> m_args;
};

// Callables taking QPromise<T> & first, as QtConcurrent::run() allows: PromiseOf<F>::value tells,
// and ::Type is the T. Found from the callable's parameter list (a function, or a class with one
// operator(), a lambda), since there is no T to ask std::is_invocable about.
template<typename A> struct PromiseParam : std::false_type
{
};
template<typename T> struct PromiseParam<QPromise<T> &> : std::true_type
{
    using Type = T;
};
template<typename M> struct FirstParamOfMember
{
    using Type = void;
};
#define AIOUTILS_FIRST_PARAM_OF_MEMBER(QUALIFIERS) \
    template<typename C, typename R, typename A, typename... As> \
    struct FirstParamOfMember<R (C::*)(A, As...) QUALIFIERS> \
    { \
        using Type = A; \
    };
AIOUTILS_FIRST_PARAM_OF_MEMBER()
AIOUTILS_FIRST_PARAM_OF_MEMBER(const)
AIOUTILS_FIRST_PARAM_OF_MEMBER(noexcept)
AIOUTILS_FIRST_PARAM_OF_MEMBER(const noexcept)
#undef AIOUTILS_FIRST_PARAM_OF_MEMBER
template<typename F, typename = void> struct FirstParam
{
    using Type = void;
};
template<typename R, typename A, typename... As> struct FirstParam<R (*)(A, As...)>
{
    using Type = A;
};
template<typename R, typename A, typename... As> struct FirstParam<R (*)(A, As...) noexcept>
{
    using Type = A;
};
template<typename F>
struct FirstParam<F, std::void_t<decltype(&F::operator())>>
    : FirstParamOfMember<decltype(&F::operator())>
{
};
template<typename F> using PromiseOf = PromiseParam<typename FirstParam<std::decay_t<F>>::Type>;

// Whether f(promise, args...) is what spawn(f, args...) means.
template<typename F, typename... Args> constexpr bool takesPromise()
{
    if constexpr (PromiseOf<F>::value)
        return std::is_invocable_v<std::decay_t<F>, QPromise<typename PromiseOf<F>::Type> &,
                                   std::decay_t<Args>...>;
    else
        return false;
}

// Whether spawn(f, args...) and post(f, args...) take these: f(args...), or f(promise, args...).
template<typename F, typename... Args>
constexpr bool isTask =
        std::is_invocable_v<std::decay_t<F>, std::decay_t<Args>...> || takesPromise<F, Args...>();

// A stored call of f(promise, args...).
template<typename T, typename F, typename... Args> class PromiseCall
{
public:
    template<typename G, typename... A>
    explicit PromiseCall(G &&f, A &&...args)
        : m_f(std::forward<G>(f)), m_args(std::forward<A>(args)...)
    {
    }
    void operator()(QPromise<T> &promise)
    {
        std::apply(
                [this, &promise](auto &&...args) {
                    std::invoke(std::move(m_f), promise, std::forward<decltype(args)>(args)...);
                },
                std::move(m_args));
    }

private:
    F m_f;
    std::tuple<Args...> m_args;
};

// What future-returning work returns: a QFuture<T>, or (with <AioUtils/Coro>) a QCoro::Task<T>.
// start(call) calls the stored call and hands back the task's future.
template<typename T> struct FutureValue
{
    static constexpr bool isFuture = false;
};
template<typename T> struct FutureValue<QFuture<T>>
{
    static constexpr bool isFuture = true;
    using Type = T;
    template<typename C> static QFuture<T> start(C &call) { return call(); }
};

// A coroutine type (it has a promise_type): spawned without the header that makes a future of it,
// it would run on a thread pool as a plain value.
template<typename R, typename = void> constexpr bool isCoroutineType = false;
template<typename R>
constexpr bool isCoroutineType<R, std::void_t<typename R::promise_type>> = true;

// Callable work that runs on a thread pool; its result fills the future the caller holds.
// Started, it waits in the pool's feed (not as a QRunnable of its own) until a thread runs it.
class AIOUTILS_CORE_EXPORT ThreadPoolJobBase : public Job
{
public:
    explicit ThreadPoolJobBase(QThreadPool *pool) noexcept : Job(false), m_pool(pool) { }
    void start(TaskLink link) override;
    // On a thread of the pool: runs the work and reports the task's end. Returns the job, for
    // the feed to free, or null when its group took it (see TaskLink::report()) or it freed
    // itself.
    Job *run();

protected:
    // Runs the work, fills the promise; returns how the task ended. `results`, when not null,
    // receives the result as a QVariant too.
    virtual Outcome execute(std::exception_ptr *failure, TaskResults *results) = 0;
    bool isCurrent() const { return m_link.isCurrent(); }
    void cancelWith(const QFuture<void> &future) { m_link.cancelWith(future); }
    bool claimEnd() noexcept { return m_link.claimEnd(); }
    int timeoutMs() const noexcept { return m_link.timeoutMs(); }

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

// What a job keeps for whoever spawned it: spawn() hands out a future (the promise behind it
// lives in the job), post() nothing. The one place that tells the two apart.
template<typename T, bool HandsFuture> class Caller;

// A caller's future left unstarted when the job is made: a future job's starts as a watcher
// listens to it (see ForwardFollower::callerHeard()).
struct LeftUnstarted
{
};

template<typename T> class Caller<T, true>
{
public:
    using Handed = QFuture<T>;
    static Handed hand(const QFuture<T> &future) { return future; }

    Caller() { m_promise.start(); }
    explicit Caller(LeftUnstarted) { }
    Handed handed() const { return m_promise.future(); }
    std::function<void()> takeCaller()
    {
        auto promise = std::make_shared<QPromise<T>>(std::move(m_promise));
        return [promise] {
            promise->future().cancel();
            promise->finish();
        };
    }
    // Canceled while queued means never started.
    bool isCanceled() const { return m_promise.isCanceled(); }
    // The group's cancel() reaches the started task through the caller's future.
    std::optional<CallerFuture> cancelHandle(TimeoutMode onTimeout, bool watched = false) const
    {
        return CallerFuture { QFuture<void>(m_promise.future()), onTimeout, watched };
    }
    // Where a value of the work goes: the caller's future.
    auto keeper()
    {
        return [this](auto &&value) { m_promise.addResult(std::forward<decltype(value)>(value)); };
    }
    // The task ran past its deadline: the caller's future fails with the TimeoutError. On the
    // thread that owns the promise, before it adds a result.
    void timedOut(int ms) { m_promise.setException(std::make_exception_ptr(TimeoutError(ms))); }
    // Settles the caller's future with how the work ended; returns how the task ended. The
    // future's state (and in it the value, which a Bag holds too) goes with the job: thread-pool
    // jobs are freed on their group's thread (see GroupCore::ranJobs), where they were made, so
    // that their memory comes back to the thread that spawns. Freed here, on the pool thread,
    // every state went back to another thread's malloc arena: 500k Bag results took 25-35 %
    // longer (1716-1813 ms against 1349-1372 ms).
    Outcome settle(Outcome outcome, const std::exception_ptr &failure)
    {
        if (outcome == Outcome::Failed)
            m_promise.setException(failure);
        // A failure beats a cancel that came in while the work ran: the work did fail.
        else if (m_promise.isCanceled())
            outcome = Outcome::Canceled;
        m_promise.finish();
        return outcome;
    }
    QPromise<T> &promise() { return m_promise; }

private:
    QPromise<T> m_promise;
};

// Posted work: a queued posted task is a few dozen bytes, where a QFuture's shared state alone
// is about 450.
template<typename T> class Caller<T, false>
{
public:
    struct Handed
    {
    };
    static Handed hand(const QFuture<T> &) { return {}; }

    Caller() = default;
    explicit Caller(LeftUnstarted) { }
    Handed handed() const { return {}; }
    bool isCanceled() const { return false; }
    std::optional<CallerFuture> cancelHandle(TimeoutMode, bool = false) const
    {
        return std::nullopt;
    }
    std::function<void()> takeCaller() { return {}; }
    // No future: nothing to keep the value for, so the task's result may have it.
    std::nullptr_t keeper() { return nullptr; }
    void timedOut(int) { }
    Outcome settle(Outcome outcome, const std::exception_ptr &) { return outcome; }
};

// Callable work that runs on a thread pool (spawn() or post()). Started, it waits in the pool's
// feed (not as a QRunnable of its own) until a thread runs it.
template<typename R, typename C, bool HandsFuture>
class ThreadPoolJob final : public ThreadPoolJobBase, public Caller<R, HandsFuture>
{
    using Base = Caller<R, HandsFuture>;

public:
    ThreadPoolJob(QThreadPool *pool, C &&call)
        : ThreadPoolJobBase(pool), m_call(std::in_place, std::move(call))
    {
    }
    bool isCanceled() const override { return Base::isCanceled(); }
    std::function<void()> takeCaller() override { return Base::takeCaller(); }
    std::optional<CallerFuture> cancelHandle() const override
    {
        return Base::cancelHandle(TimeoutMode::Deferred);
    }

protected:
    Outcome execute(std::exception_ptr *failure, TaskResults *results) override
    {
        // Work canceled before it began is skipped: the caller's future tells, or, for posted
        // work, which has none, whether the task still belongs to the group's round. Nothing
        // reaches posted work once it runs.
        Outcome outcome = Outcome::Canceled;
        if (!Base::isCanceled() && (HandsFuture || isCurrent())) {
            std::optional<bool> inTime; // whether the work beat its deadline, if it has one
            if constexpr (HandsFuture && !std::is_void_v<R>) {
                // The value goes to the caller's future only if the work beat its deadline: a
                // future the timeout fails holds no result (see TimeoutMode).
                auto keep = Base::keeper();
                outcome = callWork<R>(*m_call, failure, results, [&](R &&value) {
                    inTime = claimEnd();
                    if (*inTime)
                        keep(std::move(value));
                });
            } else {
                outcome = callWork<R>(*m_call, failure, results, Base::keeper());
            }
            if (!inTime)
                inTime = claimEnd();
            // The group's timer timed the task out: the caller's future fails with the
            // TimeoutError (TimeoutMode::Deferred).
            if (!*inTime)
                Base::timedOut(timeoutMs());
        }
        // The work's captures go now, on this thread, not after the group has seen the end.
        m_call.reset();
        return Base::settle(outcome, *failure);
    }

private:
    std::optional<C> m_call;
};

// Thread-pool work that takes QPromise<T> & (spawn() or post()): it polls isCanceled(), reports
// progress and adds any number of results, each one a result of the task. Its promise is the
// caller's future; posted work, which has none, gets one of its own that the group cancels.
template<typename T, typename C, bool HandsFuture>
class PromiseJob final : public ThreadPoolJobBase, public Caller<T, HandsFuture>
{
    using Base = Caller<T, HandsFuture>;

public:
    PromiseJob(QThreadPool *pool, C &&call)
        : ThreadPoolJobBase(pool), m_call(std::in_place, std::move(call))
    {
    }
    bool isCanceled() const override { return Base::isCanceled(); }
    std::function<void()> takeCaller() override { return Base::takeCaller(); }
    std::optional<CallerFuture> cancelHandle() const override
    {
        return Base::cancelHandle(std::is_void_v<T> ? TimeoutMode::Fail : TimeoutMode::Cancel);
    }

protected:
    Outcome execute(std::exception_ptr *failure, TaskResults *results) override
    {
        Outcome outcome = Outcome::Canceled;
        if constexpr (HandsFuture) {
            if (!Base::isCanceled())
                outcome = callWith(Base::promise(), failure, results);
        } else if (isCurrent()) {
            QPromise<T> promise;
            promise.start();
            cancelWith(QFuture<void>(promise.future())); // cancel() and the deadline reach it
            outcome = callWith(promise, failure, results);
            if (outcome == Outcome::Succeeded && promise.isCanceled())
                outcome = Outcome::Canceled;
            promise.finish();
        }
        m_call.reset();
        return Base::settle(outcome, *failure);
    }

private:
    Outcome callWith(QPromise<T> &promise, std::exception_ptr *failure, TaskResults *results)
    {
        try {
            (*m_call)(promise);
        } catch (...) {
            *failure = std::current_exception();
            return Outcome::Failed;
        }
        if (results && !promise.isCanceled())
            *results = resultsOf(promise.future());
        return Outcome::Succeeded;
    }

    std::optional<C> m_call;
};

// The function a queued task's callable names, if it is a Call of one (see PromiseOffer).
template<typename C> WorkTag workTagOf(const C &) noexcept
{
    return nullptr;
}
template<typename F, typename... Args> WorkTag workTagOf(const Call<F, Args...> &call) noexcept
{
    return call.workTag();
}

// Calls `call` and hands back its future; a throwing call becomes a failed future.
template<typename T, typename C> QFuture<T> invokeForFuture(C &call)
{
    try {
        return FutureValue<typename C::Result>::start(call);
    } catch (...) {
        QFutureInterface<T> failed(QFutureInterfaceBase::Started);
        failed.reportException(std::current_exception());
        failed.reportFinished();
        return failed.future();
    }
}

// Calls future-returning work as the task of `link` (inside its TaskScope); returns its future,
// and in `direct` the DirectWork that made it, if it is one (valid until user code runs again).
// The caller's promise, if `offer`, is offered to the function the callable names.
template<typename T, typename C>
QFuture<T> invokeAsTask(C &call, TaskLink &link, DirectWork **direct, PromiseOffer *offer = nullptr)
{
    TaskScope scope(link);
    scope.offerPromise(offer);
    QFuture<T> future = invokeForFuture<T>(call);
    *direct = DirectWork::offeredFor(scope, QFuture<void>(future));
    return future;
}

// Calls future-returning work as the task of `link`, which then ends when the future it returned
// does; returns that future.
template<typename T, typename C> QFuture<T> startFutureWork(C &call, TaskLink link)
{
    DirectWork *direct;
    QFuture<T> future = invokeAsTask<T>(call, link, &direct);
    follow(future, std::move(link), direct);
    return future;
}

// Queued work that returns QFuture<T> (spawn() or post()): called on the group's thread once a
// slot is free. Its future's outcome goes to the future the caller got at spawn time, if any.
template<typename T, typename C, bool HandsFuture>
class FutureJob final : public Job, public Caller<T, HandsFuture>
{
    using Base = Caller<T, HandsFuture>;

public:
    explicit FutureJob(C &&call) : Job(true), Base(LeftUnstarted()), m_call(std::move(call)) { }
    bool isCanceled() const override { return Base::isCanceled(); }
    std::function<void()> takeCaller() override { return Base::takeCaller(); }
    // Results reach the caller's future on the group's thread once the work's future finished,
    // which ends the task: a timeout (on that thread too) finds none.
    std::optional<CallerFuture> cancelHandle() const override
    {
        return Base::cancelHandle(TimeoutMode::Fail, true); // see ForwardFollower
    }

    void start(TaskLink link) override
    {
        std::unique_ptr<FutureJob> self(this);
        if constexpr (!HandsFuture) {
            startFutureWork<T>(m_call, std::move(link));
        } else {
            DirectWork *direct;
            PromiseOffer offer { workTagOf(m_call), &Base::promise() };
            std::optional<QFuture<T>> caller; // while the promise may go to the work
            if (offer.work)
                caller = Base::promise().future();
            const QFuture<T> inner =
                    invokeAsTask<T>(m_call, link, &direct, offer.work ? &offer : nullptr);
            const bool taken = offer.work && !offer.promise;
            if (!inner.isFinished()) {
                // Canceling the task cancels the work's future (canceling the caller's does too:
                // see ForwardFollower).
                link.setInnerWork(QFuture<void>(inner));
                link.begin();
            }
            std::unique_ptr<Follower> follower;
            if (taken && QFutureInterfaceBase::get(inner) == QFutureInterfaceBase::get(*caller)) {
                // The work took the caller's promise (fetch() does): its future is the caller's,
                // and the work hears the caller cancel it. The task ends as it finishes.
                follower = std::make_unique<OfferFollower<T>>(inner, std::move(link));
            } else if (taken) {
                // Taken, but the work failed before it made its future of it (a throwing
                // QNetworkAccessManager::createRequest()): the work's end settled the caller's
                // future, canceled; the task ends as the future the work returned did.
                follower = std::make_unique<AdoptFollower<T>>(inner, std::move(link));
            } else {
                follower = std::make_unique<ForwardFollower<T>>(inner, std::move(Base::promise()),
                                                                std::move(link));
            }
            if (inner.isFinished())
                follower->finish();
            else if (direct)
                Follower::followDirect(*direct, std::move(follower));
            else
                Follower::follow(std::move(follower));
        }
    }

private:
    C m_call;
};

} // namespace detail
} // namespace AioUtils

#endif // AIOUTILS_DETAIL_JOBS_H
