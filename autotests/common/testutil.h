// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Helpers shared by the autotests: non-blocking "sleeps" that return futures, like asyncio.sleep.

#ifndef AIOUTILS_TESTUTIL_H
#define AIOUTILS_TESTUTIL_H

#include <QtCore/qcoreapplication.h>
#include <QtCore/qfuture.h>
#include <QtCore/qpromise.h>
#include <QtCore/qtimer.h>

#include <memory>
#include <stdexcept>

namespace TestUtil {

// A future that finishes with `value` after `ms` milliseconds, timed on the calling thread's
// event loop (the thread must spin events: Group::join() does).
template <typename T>
QFuture<T> delayed(int ms, T value)
{
    auto promise = std::make_shared<QPromise<T>>();
    promise->start();
    // The timer lives on the calling thread, so it fires there whichever thread that is.
    auto *timer = new QTimer;
    timer->setSingleShot(true);
    timer->setTimerType(Qt::PreciseTimer);
    QObject::connect(timer, &QTimer::timeout, timer, [timer, promise, value]() mutable {
        promise->addResult(std::move(value));
        promise->finish();
        timer->deleteLater();
    });
    timer->start(ms);
    return promise->future();
}

// The same, for tasks without a value.
inline QFuture<void> delayed(int ms)
{
    auto promise = std::make_shared<QPromise<void>>();
    promise->start();
    auto *timer = new QTimer;
    timer->setSingleShot(true);
    timer->setTimerType(Qt::PreciseTimer);
    QObject::connect(timer, &QTimer::timeout, timer, [timer, promise] {
        promise->finish();
        timer->deleteLater();
    });
    timer->start(ms);
    return promise->future();
}

// A future that fails with std::runtime_error(message) after `ms` milliseconds.
inline QFuture<int> failingAfter(int ms, const char *message)
{
    auto promise = std::make_shared<QPromise<int>>();
    promise->start();
    auto *timer = new QTimer;
    timer->setSingleShot(true);
    QObject::connect(timer, &QTimer::timeout, timer, [timer, promise, message] {
        promise->setException(std::make_exception_ptr(std::runtime_error(message)));
        promise->finish();
        timer->deleteLater();
    });
    timer->start(ms);
    return promise->future();
}

} // namespace TestUtil

#endif
