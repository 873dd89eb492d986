// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include <AioUtils/coro.h>

#include <QtCore/qpointer.h>
#include <QtCore/qscopeguard.h>

#include <optional>

namespace AioUtils {

/*!
    \fn QCoro::AsyncGenerator<QVariant> AioUtils::results(AioUtils::Bag &bag)
    \relates AioUtils::Bag
    The results of \a bag, one at a time as Bag::next() hands them out, for \c QCORO_FOREACH in a
    coroutine (\c{<AioUtils/Coro>}, target AioUtils::Coro; C++20 has no \c{for co_await}):
    \code
    QCoro::Task<> Window::show(AioUtils::Bag &bag)
    {
        QCORO_FOREACH (const QVariant &page, AioUtils::results(bag))
            m_list->addItem(page.toString());
    }
    \endcode
    Where yielding() spins a nested event loop while it waits, the coroutine is suspended
    (Bag::nextResult()) and the caller's event loop goes on. The loop ends when the round has
    ended and nothing is left; the round's failure, if any, is thrown after the last result.
    Leaving the loop early (a \c break, a \c co_return, an exception, or destroying the coroutine
    that iterates) cancels the bag's remaining tasks, as leaving yielding() does; a result the loop
    was waiting for then goes to whoever asks next. If the bag is destroyed, while the loop waits
    or while its body runs, the loop ends.
*/
/*!
    \fn template <typename T> AioUtils::FinishedAwaiter<T> AioUtils::finished(QFuture<T> future)
    \relates AioUtils::Bag
    \c{co_await AioUtils::finished(future)} suspends the coroutine until \a future has finished
    (\c{<AioUtils/Coro>}), then gives it back: succeeded, failed or canceled, it throws nothing.
    QCoro's own \c{co_await} on a QFuture<T> reads its result, which a canceled future does not
    have. A canceled future is waited for until it has finished too (its work has ended). No nested
    event loop runs: the coroutine resumes from its thread's event loop, and a coroutine destroyed
    while it waits here is never resumed.
    \code
    const QFuture<QByteArray> body = co_await AioUtils::finished(AioUtils::fetch(&nam, request));
    if (body.isCanceled())   // canceled, or failed: waitForFinished() would rethrow the failure
        co_return;
    \endcode
*/

namespace {

// The generator behind results(): it holds the bag by a QPointer, taken when results() was
// called (a generator's body starts only at begin()), and never uses it once the bag is gone.
QCoro::AsyncGenerator<QVariant> resultsOf(QPointer<Bag> bag)
{
    bool ended = false;
    // Closed before the end: cancel the rest, as a Python generator's close() does.
    const auto closeEarly = qScopeGuard([&bag, &ended] {
        if (!ended && bag)
            bag->cancel();
    });
    for (;;) {
        if (!bag) {
            // Gone while the loop's body ran (or before it began).
            ended = true;
            co_return;
        }
        // What is there already, without waiting: Bag::next() with a deadline that has passed
        // (a default QDeadlineTimer: no clock read) spins no event loop. It throws the round's
        // failure after the last result.
        std::optional<QVariant> value;
        try {
            value = bag->next(QDeadlineTimer());
        } catch (...) {
            ended = true;
            throw;
        }
        if (!value) {
            if (!bag) {
                ended = true;
                co_return; // a slot of resultReady deleted it
            }
            QFuture<QVariant> next = bag->nextResult();
            // The generator destroyed while it waits (its consumer gone) gives up its turn, so
            // that the result, or the round's failure, goes to whoever asks next.
            const auto giveUp = qScopeGuard([&next] {
                if (!next.isFinished())
                    next.cancel();
            });
            co_await finished(next);
            try {
                next.waitForFinished(); // finished: throws the failure, if it carries one
            } catch (...) {
                ended = true;
                throw;
            }
            if (!bag || next.isCanceled()) {
                // The round ended with nothing left, or the bag went.
                ended = true;
                co_return;
            }
            value = next.result();
        }
        co_yield std::move(*value);
    }
}

} // namespace

QCoro::AsyncGenerator<QVariant> results(Bag &bag)
{
    return resultsOf(QPointer<Bag>(&bag));
}

} // namespace AioUtils
