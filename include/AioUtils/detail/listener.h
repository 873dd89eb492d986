// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// A QFutureWatcher without a future of its own. Not API: everything in AioUtils::detail may
// change without notice.

#ifndef AIOUTILS_DETAIL_LISTENER_H
#define AIOUTILS_DETAIL_LISTENER_H

#include <AioUtils/aioutils_core_export.h>

#include <QtCore/qcoreevent.h>
#include <QtCore/qfuture.h>
#include <QtCore/qfuturewatcher.h>

#include <utility>

namespace AioUtils {
namespace detail {

// Drops `state`'s reference to a future's shared state (it is left empty), or makes it share
// `future`'s instead. Out of line, so that when the reference that goes is the last one, the
// state is freed under a frame of its own: QtCore frees it in its ~QFutureInterfaceBase, which
// ThreadSanitizer does not see, and share/tsan.supp names these two instead.
AIOUTILS_CORE_EXPORT void dropFutureState(QFutureInterfaceBase &state) noexcept;
AIOUTILS_CORE_EXPORT void shareFutureState(QFutureInterfaceBase &state,
                                           const QFuture<void> &future);

// Hears a future's changes as a QFutureWatcher does (through its signals, or, cheaper, through
// heard()), for the watchers this library makes per task or per request. A QFutureWatcher<T>
// holds a QFuture<T> that, until setFuture(), is a canceled future made for it alone: each one
// allocates a future's shared state (with its two QWaitConditions) that it never uses. A Listener
// shares the state of the future it is given instead, and hears it from listen() on (from before
// the future starts, if it is made before: then nothing is posted to it for what happened
// earlier). Its reference to that state may be the last one (see dropFutureState()).
// heard() should end in what runs code outside the listener (which may delete it).
class Listener : public QFutureWatcherBase
{
public:
    // A listener whose signals are connected to: a slot may delete it.
    Listener(const QFuture<void> &future, QObject *parent) : Listener(future, parent, false) { }
    ~Listener() override
    {
        disconnectOutputInterface();
        dropFutureState(m_interface);
    }
    Listener(const Listener &) = delete;
    Listener &operator=(const Listener &) = delete;

    // Hears the future from here on, as setFuture() does: a started one posts its Started event
    // and its progress now, a finished one its end too.
    void listen()
    {
        disconnectOutputInterface(true);
        connectOutputInterface();
    }
    // Listens to `future` from here on instead.
    void listen(const QFuture<void> &future)
    {
        disconnectOutputInterface(true);
        shareFutureState(m_interface, future);
        m_canceledHeard = false;
        connectOutputInterface();
    }
    // Deaf from here on: nothing that happens to the future posts an event to it any more, and
    // an event posted before but not delivered yet is dropped (a canceled() on its way too).
    void deafen() { disconnectOutputInterface(); }

    bool event(QEvent *event) override
    {
        if (!m_hears || event->type() != QEvent::FutureCallOut)
            return QFutureWatcherBase::event(event);
        // QFutureWatcherBase's own handling first (its signals, unconnected, and its count of
        // pending results, which throttles a QtConcurrent producer when it grows).
        QFutureWatcherBase::event(event);
        heard();
        return true;
    }

protected:
    // A listener told of each change by heard() instead of its signals, which cost a
    // connection (two allocations) per signal and per listener, and an emission per change.
    // Nothing may connect to its signals (a slot that deleted it would leave heard() to run on
    // nothing).
    struct Hears
    {
    };
    Listener(const QFuture<void> &future, QObject *parent, Hears) : Listener(future, parent, true)
    {
    }
    // The future changed (an event QtCore posted for it was delivered): read its state with
    // heardFuture(). On the listener's thread, from the event loop.
    virtual void heard() { }
    const QFutureInterfaceBase &heardFuture() const { return m_interface; }
    // Whether the future is canceled (or failed) and no heard() was told so before: once per
    // future listened to.
    bool heardCanceled()
    {
        return m_interface.isCanceled() && !std::exchange(m_canceledHeard, true);
    }
    // Whether the future has finished; if so, what the thread that finished it wrote before is
    // visible here too (isFinished() alone is a relaxed load: the state's mutex, under which it
    // was finished, is taken once more).
    bool heardFinished() const
    {
        if (!m_interface.isFinished())
            return false;
        static_cast<void>(m_interface.resultCount());
        return true;
    }

private:
    Listener(const QFuture<void> &future, QObject *parent, bool hears)
        : QFutureWatcherBase(parent), m_interface(QFutureInterfaceBase::get(future)), m_hears(hears)
    {
    }
    const QFutureInterfaceBase &futureInterface() const override { return m_interface; }
    QFutureInterfaceBase &futureInterface() override { return m_interface; }

    QFutureInterfaceBase m_interface;
    const bool m_hears;
    bool m_canceledHeard = false;
};

} // namespace detail
} // namespace AioUtils

#endif // AIOUTILS_DETAIL_LISTENER_H
