// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#ifndef AIOUTILS_GROUP_H
#define AIOUTILS_GROUP_H

#include <AioUtils/aioutils_core_export.h>
#include <AioUtils/detail/task.h>
#include <AioUtils/key.h>

#include <QtCore/qabstractitemmodel.h>
#include <QtCore/qdeadlinetimer.h>
#include <QtCore/qfuture.h>
#include <QtCore/qlist.h>
#include <QtCore/qobject.h>

#include <exception>
#include <memory>
#include <optional>
#include <type_traits>

QT_BEGIN_NAMESPACE
class QThreadPool;
QT_END_NAMESPACE

namespace AioUtils {

class GroupPrivate;

class AIOUTILS_CORE_EXPORT Group : public QObject
{
    Q_OBJECT
    Q_PROPERTY(int maxConcurrency READ maxConcurrency WRITE setMaxConcurrency NOTIFY
                       maxConcurrencyChanged)
    Q_PROPERTY(FailurePolicy failurePolicy READ failurePolicy WRITE setFailurePolicy NOTIFY
                       failurePolicyChanged)
    Q_PROPERTY(int spawnedCount READ spawnedCount NOTIFY countsChanged)
    Q_PROPERTY(int queuedCount READ queuedCount NOTIFY countsChanged)
    Q_PROPERTY(int runningCount READ runningCount NOTIFY countsChanged)
    Q_PROPERTY(int finishedCount READ finishedCount NOTIFY countsChanged)
    Q_PROPERTY(int failedCount READ failedCount NOTIFY countsChanged)
    Q_PROPERTY(bool idle READ isIdle NOTIFY idleChanged)
    Q_PROPERTY(bool paused READ isPaused WRITE setPaused NOTIFY pausedChanged)
    Q_PROPERTY(int taskTimeout READ taskTimeout WRITE setTaskTimeout NOTIFY taskTimeoutChanged)
    Q_PROPERTY(int limitPerKey READ limitPerKey WRITE setLimitPerKey NOTIFY limitPerKeyChanged)
    Q_PROPERTY(qreal rateLimit READ rateLimit WRITE setRateLimit NOTIFY rateLimitChanged)
    Q_PROPERTY(qreal rateLimitPerKey READ rateLimitPerKey WRITE setRateLimitPerKey NOTIFY
                       rateLimitPerKeyChanged)
    Q_PROPERTY(QAbstractItemModel *taskModel READ taskModel CONSTANT)
    Q_PROPERTY(int taskModelLimit READ taskModelLimit WRITE setTaskModelLimit NOTIFY
                       taskModelLimitChanged)

public:
    enum FailurePolicy { ContinueOnFailure, CancelOnFailure };
    Q_ENUM(FailurePolicy)

    explicit Group(QObject *parent = nullptr);
    ~Group() override;

    template<typename T> QFuture<T> spawn(QFuture<T> future);

    template<typename F, typename... Args, typename = std::enable_if_t<detail::isTask<F, Args...>>>
    auto spawn(F &&f, Args &&...args)
    {
        return spawn(static_cast<QThreadPool *>(nullptr), std::forward<F>(f),
                     std::forward<Args>(args)...);
    }

    template<typename F, typename... Args, typename = std::enable_if_t<detail::isTask<F, Args...>>>
    auto spawn(QThreadPool *pool, F &&f, Args &&...args)
    {
        return submit<true>(nullptr, pool, std::forward<F>(f), std::forward<Args>(args)...);
    }

    // spawn() without a future for the caller: fire and forget. Failures are counted, signaled
    // and rethrown by join() as for any task, and a Bag keeps the results; a queued posted task
    // costs a few dozen bytes instead of a QFuture's state.
    template<typename F, typename... Args, typename = std::enable_if_t<detail::isTask<F, Args...>>>
    void post(F &&f, Args &&...args)
    {
        post(static_cast<QThreadPool *>(nullptr), std::forward<F>(f), std::forward<Args>(args)...);
    }

    template<typename F, typename... Args, typename = std::enable_if_t<detail::isTask<F, Args...>>>
    void post(QThreadPool *pool, F &&f, Args &&...args)
    {
        submit<false>(nullptr, pool, std::forward<F>(f), std::forward<Args>(args)...);
    }

    // Keyed tasks: the per-key rules (limitPerKey, rateLimitPerKey) apply to tasks of one key.
    template<typename F, typename... Args, typename = std::enable_if_t<detail::isTask<F, Args...>>>
    auto spawn(const Key &key, F &&f, Args &&...args)
    {
        return spawn(key, static_cast<QThreadPool *>(nullptr), std::forward<F>(f),
                     std::forward<Args>(args)...);
    }

    template<typename F, typename... Args, typename = std::enable_if_t<detail::isTask<F, Args...>>>
    auto spawn(const Key &key, QThreadPool *pool, F &&f, Args &&...args)
    {
        return submitKeyed<true>(detail::KeyMode::Plain, key, pool, std::forward<F>(f),
                                 std::forward<Args>(args)...);
    }

    template<typename F, typename... Args, typename = std::enable_if_t<detail::isTask<F, Args...>>>
    void post(const Key &key, F &&f, Args &&...args)
    {
        post(key, static_cast<QThreadPool *>(nullptr), std::forward<F>(f),
             std::forward<Args>(args)...);
    }

    template<typename F, typename... Args, typename = std::enable_if_t<detail::isTask<F, Args...>>>
    void post(const Key &key, QThreadPool *pool, F &&f, Args &&...args)
    {
        submitKeyed<false>(detail::KeyMode::Plain, key, pool, std::forward<F>(f),
                           std::forward<Args>(args)...);
    }

    // Single flight: the future of the key's task queued or running in this group, if it has one
    // (of the same result type); else spawn(key, f, args...).
    template<typename F, typename... Args, typename = std::enable_if_t<detail::isTask<F, Args...>>>
    auto spawnOnce(const Key &key, F &&f, Args &&...args)
    {
        return spawnOnce(key, static_cast<QThreadPool *>(nullptr), std::forward<F>(f),
                         std::forward<Args>(args)...);
    }

    template<typename F, typename... Args, typename = std::enable_if_t<detail::isTask<F, Args...>>>
    auto spawnOnce(const Key &key, QThreadPool *pool, F &&f, Args &&...args)
    {
        return submitKeyed<true>(detail::KeyMode::Once, key, pool, std::forward<F>(f),
                                 std::forward<Args>(args)...);
    }

    // Latest wins: cancels every queued or running task of the key, then spawn(key, f, args...).
    template<typename F, typename... Args, typename = std::enable_if_t<detail::isTask<F, Args...>>>
    auto spawnLatest(const Key &key, F &&f, Args &&...args)
    {
        return spawnLatest(key, static_cast<QThreadPool *>(nullptr), std::forward<F>(f),
                           std::forward<Args>(args)...);
    }

    template<typename F, typename... Args, typename = std::enable_if_t<detail::isTask<F, Args...>>>
    auto spawnLatest(const Key &key, QThreadPool *pool, F &&f, Args &&...args)
    {
        return submitKeyed<true>(detail::KeyMode::Latest, key, pool, std::forward<F>(f),
                                 std::forward<Args>(args)...);
    }

    bool join(QDeadlineTimer deadline = QDeadlineTimer(QDeadlineTimer::Forever));
    QFuture<void> joined();
    QFuture<void> slotAvailable();
    std::exception_ptr firstFailure() const;
    QList<std::exception_ptr> failures() const;

    int maxConcurrency() const;
    void setMaxConcurrency(int limit);
    FailurePolicy failurePolicy() const;
    void setFailurePolicy(FailurePolicy policy);
    bool isPaused() const;
    void setPaused(bool paused);
    int taskTimeout() const;
    void setTaskTimeout(int ms);
    int limitPerKey() const;
    void setLimitPerKey(int limit);
    qreal rateLimit() const;
    void setRateLimit(qreal startsPerSecond);
    qreal rateLimitPerKey() const;
    void setRateLimitPerKey(qreal startsPerSecond);
    QAbstractItemModel *taskModel();
    int taskModelLimit() const;
    void setTaskModelLimit(int limit);

    int spawnedCount() const;
    int queuedCount() const;
    int runningCount() const;
    int finishedCount() const;
    int failedCount() const;
    bool isIdle() const;

public Q_SLOTS:
    void cancel();

Q_SIGNALS:
    void taskFailed(const QString &message);
    void finished();
    void countsChanged();
    void idleChanged();
    void maxConcurrencyChanged();
    void failurePolicyChanged();
    void pausedChanged();
    void taskTimeoutChanged();
    void limitPerKeyChanged();
    void rateLimitChanged();
    void rateLimitPerKeyChanged();
    void taskModelLimitChanged();

protected:
    explicit Group(std::unique_ptr<GroupPrivate> dd, QObject *parent);
    void customEvent(QEvent *event) override;

    std::unique_ptr<GroupPrivate> d_ptr;

private:
    Q_DECLARE_PRIVATE(Group)
    Q_DISABLE_COPY(Group)

    // The one path of spawn(callable) and post(): stores the call in a job, starts it now if the
    // group may, else queues it. Returns the caller's future when HandsFuture. `keyed`: a keyed
    // task's key and mode, null for an unkeyed task.
    template<bool HandsFuture, typename F, typename... Args>
    auto submit(detail::KeyedSpawn *keyed, QThreadPool *pool, F &&f, Args &&...args);
    template<bool HandsFuture, typename F, typename... Args>
    auto submitKeyed(detail::KeyMode mode, const Key &key, QThreadPool *pool, F &&f,
                     Args &&...args);
    // submit() of f(args...), which does not take a QPromise.
    template<bool HandsFuture, typename F, typename... Args>
    auto submitCall(detail::KeyedSpawn *keyed, QThreadPool *pool, F &&f, Args &&...args);
    // Starts `job` now if the group may, else queues it; returns what the caller gets.
    template<typename Job> auto startOrQueue(Job *job, detail::KeyedSpawn *keyed);

    // The non-template core behind spawn() and post().
    detail::TaskLink adopt();
    detail::TaskLink reserve(bool needsGroupThread, const detail::CallerFuture *cancelHandle);
    void enqueue(detail::Job *job);
    // A keyed job: started, queued, or (spawnOnce() found the key's task: keyed.existing) deleted.
    void enqueueKeyed(detail::Job *job, detail::KeyedSpawn &keyed);
    void adoptFinished(detail::Outcome outcome, std::exception_ptr failure,
                       detail::TaskResults results);
    bool collectsResults() const noexcept;
};

// Ties `future` to the task the calling thread runs (see the documentation in group.cpp).
template<typename T> QFuture<T> link(QFuture<T> future)
{
    if (!future.isFinished())
        detail::linkToCurrentTask(QFuture<void>(future));
    return future;
}

template<typename T> QFuture<T> Group::spawn(QFuture<T> future)
{
    if (future.isFinished()) {
        std::exception_ptr failure;
        const detail::Outcome outcome = detail::outcomeOf(future, &failure);
        detail::TaskResults results;
        if (outcome == detail::Outcome::Succeeded && collectsResults())
            results = detail::resultsOf(future);
        adoptFinished(outcome, std::move(failure), std::move(results));
    } else {
        // Adopted work is running already: it takes a slot at once, whatever the limit.
        detail::follow(future, adopt());
    }
    return future;
}

template<bool HandsFuture, typename F, typename... Args>
auto Group::submitKeyed(detail::KeyMode mode, const Key &key, QThreadPool *pool, F &&f,
                        Args &&...args)
{
    // No key: an unkeyed task, to which no per-key rule applies.
    if (key.isEmpty())
        return submit<HandsFuture>(nullptr, pool, std::forward<F>(f), std::forward<Args>(args)...);
    detail::KeyedSpawn keyed;
    keyed.key = key.toString();
    keyed.mode = mode;
    return submit<HandsFuture>(&keyed, pool, std::forward<F>(f), std::forward<Args>(args)...);
}

template<bool HandsFuture, typename F, typename... Args>
auto Group::submit(detail::KeyedSpawn *keyed, QThreadPool *pool, F &&f, Args &&...args)
{
    if constexpr (detail::takesPromise<F, Args...>()) {
        using T = typename detail::PromiseOf<F>::Type;
        using Call = detail::PromiseCall<T, std::decay_t<F>, std::decay_t<Args>...>;
        static_assert(std::is_void_v<std::invoke_result_t<std::decay_t<F>, QPromise<T> &,
                                                          std::decay_t<Args>...>>,
                      "a callable taking QPromise<T> & returns void: it adds its results to the "
                      "promise");
        return startOrQueue(new detail::PromiseJob<T, Call, HandsFuture>(
                                    pool, Call(std::forward<F>(f), std::forward<Args>(args)...)),
                            keyed);
    } else {
        return submitCall<HandsFuture>(keyed, pool, std::forward<F>(f),
                                       std::forward<Args>(args)...);
    }
}

template<bool HandsFuture, typename F, typename... Args>
auto Group::submitCall(detail::KeyedSpawn *keyed, QThreadPool *pool, F &&f, Args &&...args)
{
    using Call = detail::Call<std::decay_t<F>, std::decay_t<Args>...>;
    using R = typename Call::Result;
    Call call(std::forward<F>(f), std::forward<Args>(args)...);
    if constexpr (detail::FutureValue<R>::isFuture) {
        using T = typename detail::FutureValue<R>::Type;
        using Caller = detail::Caller<T, HandsFuture>;
        if (!keyed) {
            // A free slot on the group's thread: the work's own future is the task's future.
            if (detail::TaskLink link = reserve(true, nullptr))
                return Caller::hand(detail::startFutureWork<T>(call, std::move(link)));
            auto *job = new detail::FutureJob<T, Call, HandsFuture>(std::move(call));
            auto handed = job->handed();
            enqueue(job);
            return handed;
        }
        return startOrQueue(new detail::FutureJob<T, Call, HandsFuture>(std::move(call)), keyed);
    } else {
        static_assert(!detail::isCoroutineType<R>,
                      "spawn()/post() of a callable returning a coroutine: for QCoro::Task<T>, "
                      "#include <AioUtils/Coro> and link AioUtils::Coro");
        return startOrQueue(new detail::ThreadPoolJob<std::decay_t<R>, Call, HandsFuture>(
                                    pool, std::move(call)),
                            keyed);
    }
}

template<typename Job> auto Group::startOrQueue(Job *job, detail::KeyedSpawn *keyed)
{
    auto handed = job->handed();
    if (keyed) {
        if constexpr (detail::IsFuture<decltype(handed)>::value) {
            using T = typename detail::IsFuture<decltype(handed)>::Type;
            keyed->type = &typeid(T);
            keyed->handed = QFuture<void>(handed);
            keyed->typed = std::make_shared<QFuture<T>>(handed);
            enqueueKeyed(job, *keyed);
            if (keyed->existing)
                return QFuture<T>(*static_cast<const QFuture<T> *>(keyed->existing.get()));
        } else {
            enqueueKeyed(job, *keyed);
        }
        return handed;
    }
    const std::optional<detail::CallerFuture> handle = job->cancelHandle();
    if (detail::TaskLink link = reserve(false, handle ? &*handle : nullptr))
        job->start(std::move(link));
    else
        enqueue(job);
    return handed;
}

} // namespace AioUtils

#endif // AIOUTILS_GROUP_H
