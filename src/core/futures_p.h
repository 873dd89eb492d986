// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Not API: private to the AioUtils implementation, never installed.
// Futures finished at once, and promises let go later: what the non-blocking waits
// (Group::slotAvailable(), Bag::nextResult()) hand out.

#ifndef AIOUTILS_FUTURES_P_H
#define AIOUTILS_FUTURES_P_H

#include <QtCore/qabstracteventdispatcher.h>
#include <QtCore/qfuture.h>
#include <QtCore/qpromise.h>
#include <QtCore/qthread.h>

#include <algorithm>
#include <exception>
#include <memory>
#include <utility>

namespace AioUtils {
namespace detail {

// Finished with `value` (QtFuture::makeReadyFuture() is deprecated from Qt 6.6 on).
template<typename T> QFuture<T> readyFuture(T value)
{
    QPromise<T> promise;
    promise.start();
    promise.addResult(std::move(value));
    promise.finish();
    return promise.future();
}

inline QFuture<void> readyFuture()
{
    QPromise<void> promise;
    promise.start();
    promise.finish();
    return promise.future();
}

template<typename T> QFuture<T> canceledFuture()
{
    QPromise<T> promise;
    promise.start();
    promise.future().cancel();
    promise.finish();
    return promise.future();
}

template<typename T> QFuture<T> failedFuture(std::exception_ptr failure)
{
    QPromise<T> promise;
    promise.start();
    promise.setException(std::move(failure));
    promise.finish();
    return promise.future();
}

// Cancels and finishes `promises` (a container of QPromise) from this thread's event loop, not
// here: their continuations run once the object that held them (a group being destroyed) is
// gone. On a thread without an event dispatcher, at once.
template<typename Promises> void cancelLater(Promises promises)
{
    if (promises.empty())
        return;
    // Shared: the slot object of invokeMethod() may want to copy its functor.
    auto held = std::make_shared<Promises>(std::move(promises));
    QAbstractEventDispatcher *dispatcher = QThread::currentThread()->eventDispatcher();
    if (!dispatcher)
        return; // QPromise's destructor cancels and finishes
    QMetaObject::invokeMethod(
            dispatcher, [held] { held->clear(); }, Qt::QueuedConnection);
}

// Drops from `promises` those whose callers canceled their futures (they gave up waiting).
template<typename Promises> void dropCanceled(Promises &promises)
{
    promises.erase(std::remove_if(promises.begin(), promises.end(),
                                  [](const auto &promise) { return promise.isCanceled(); }),
                   promises.end());
}

} // namespace detail
} // namespace AioUtils

#endif // AIOUTILS_FUTURES_P_H
