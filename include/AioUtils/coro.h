// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// AioUtils::Coro (C++20, QCoro): a Bag's results as a QCoro::AsyncGenerator, callables that
// return QCoro::Task<T> as tasks of any group, and co_await on a QFuture that may be canceled.
// Built when QCoro6 is found; link AioUtils::Coro.

#ifndef AIOUTILS_CORO_H
#define AIOUTILS_CORO_H

#include <AioUtils/aioutils_coro_export.h>
#include <AioUtils/bag.h>
#include <AioUtils/group.h>

#include <QtCore/qfuturewatcher.h>
#include <QtCore/qpromise.h>
#include <QtCore/qvariant.h>

#include <QCoroAsyncGenerator>
#include <QCoroTask>

#include <coroutine>
#include <exception>
#include <memory>
#include <type_traits>
#include <utility>

namespace AioUtils {

// The results of `bag` as they come, for QCORO_FOREACH (C++20 has no `for co_await`); see the
// documentation in results.cpp.
AIOUTILS_CORO_EXPORT QCoro::AsyncGenerator<QVariant> results(Bag &bag);

// What `co_await AioUtils::finished(future)` waits with: see finished().
template<typename T> class FinishedAwaiter
{
public:
    explicit FinishedAwaiter(QFuture<T> future) : m_future(std::move(future)) { }
    FinishedAwaiter(FinishedAwaiter &&) noexcept = default; // before it waits: no watcher yet
    FinishedAwaiter &operator=(FinishedAwaiter &&) = delete;
    ~FinishedAwaiter()
    {
        if (m_watcher) {
            // Not deleted here: this may run inside the watcher's own finished() signal.
            m_watcher->disconnect();
            m_watcher.release()->deleteLater();
        }
    }

    bool await_ready() const noexcept { return m_future.isFinished(); }
    void await_suspend(std::coroutine_handle<> waiting)
    {
        m_watcher = std::make_unique<QFutureWatcher<T>>();
        QObject::connect(m_watcher.get(), &QFutureWatcherBase::finished, m_watcher.get(),
                         [waiting] { waiting.resume(); });
        m_watcher->setFuture(m_future);
    }
    QFuture<T> await_resume() const noexcept { return m_future; }

private:
    QFuture<T> m_future;
    std::unique_ptr<QFutureWatcher<T>> m_watcher;
};

// co_await AioUtils::finished(future) suspends the coroutine until `future` has finished, then
// gives it back, whether it succeeded, failed or was canceled; it throws nothing (QCoro's own
// co_await on a QFuture<T> reads a result, which a canceled future does not have). Finished, not
// only canceled: a canceled future whose work has not ended yet is waited for. No nested
// event loop runs: the coroutine resumes from the event loop of its thread. A coroutine destroyed
// while it waits here is never resumed.
template<typename T> FinishedAwaiter<T> finished(QFuture<T> future)
{
    return FinishedAwaiter<T>(std::move(future));
}

namespace detail {

// Runs on after the task that spawned it: settles `promise` with what `task` ends with. It owns
// `call`, the callable and arguments the coroutine came from: a lambda's captures live in that
// object, and the coroutine refers to them until it ends.
template<typename T, typename C>
QCoro::Task<> settleFromTask(std::unique_ptr<C> call, QCoro::Task<T> task, QPromise<T> promise)
{
    try {
        if constexpr (std::is_void_v<T>) {
            co_await task;
        } else {
            promise.addResult(co_await task);
        }
    } catch (...) {
        promise.setException(std::current_exception());
    }
    promise.finish();
    call.reset();
}

// A coroutine as the future of a task: spawn() of a callable returning QCoro::Task<T> calls it on
// the group's thread (its first part runs inside the task, so fetch() and link() there are tied
// to it), and the task ends when the coroutine does.
template<typename T> struct FutureValue<QCoro::Task<T>>
{
    static constexpr bool isFuture = true;
    using Type = T;
    template<typename C> static QFuture<T> start(C &call)
    {
        // Kept until the coroutine ends (the group's stored call goes once it has started).
        auto held = std::make_unique<C>(std::move(call));
        QCoro::Task<T> task = (*held)();
        QPromise<T> promise;
        promise.start();
        QFuture<T> future = promise.future();
        // Detached: QCoro frees the coroutine once it ends.
        [[maybe_unused]] QCoro::Task<> settling =
                settleFromTask<T>(std::move(held), std::move(task), std::move(promise));
        return future;
    }
};

} // namespace detail
} // namespace AioUtils

#endif // AIOUTILS_CORO_H
