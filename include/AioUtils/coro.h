// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// AioUtils::Coro (C++20, QCoro): a Bag's results as a QCoro::AsyncGenerator, and callables that
// return QCoro::Task<T> as tasks of any group. Built when QCoro6 is found; link AioUtils::Coro.

#ifndef AIOUTILS_CORO_H
#define AIOUTILS_CORO_H

#include <AioUtils/aioutils_coro_export.h>
#include <AioUtils/bag.h>
#include <AioUtils/group.h>

#include <QtCore/qpromise.h>
#include <QtCore/qvariant.h>

#include <QCoroAsyncGenerator>
#include <QCoroTask>

#include <exception>
#include <memory>
#include <type_traits>
#include <utility>

namespace AioUtils {

// The results of `bag` as they come, for QCORO_FOREACH (C++20 has no `for co_await`); see the
// documentation in results.cpp.
AIOUTILS_CORO_EXPORT QCoro::AsyncGenerator<QVariant> results(Bag &bag);

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
