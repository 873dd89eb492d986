// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// A QFutureWatcher without a future of its own. Not API: everything in AioUtils::detail may
// change without notice.

#ifndef AIOUTILS_DETAIL_LISTENER_H
#define AIOUTILS_DETAIL_LISTENER_H

#include <QtCore/qfuture.h>
#include <QtCore/qfuturewatcher.h>

namespace AioUtils {
namespace detail {

// Hears a future's changes as a QFutureWatcher does (its signals: started(), canceled(),
// finished(), ...), for the watchers this library makes per task or per request. A
// QFutureWatcher<T> holds a QFuture<T> that, until setFuture(), is a canceled future made for it
// alone: each one allocates a future's shared state (with its two QWaitConditions) that it never
// uses. A Listener shares the state of the future it is given instead, and hears it from listen()
// on (from before the future starts, if it is made before: then nothing is posted to it for
// what happened earlier).
class Listener : public QFutureWatcherBase
{
public:
    Listener(const QFuture<void> &future, QObject *parent)
        : QFutureWatcherBase(parent), m_interface(QFutureInterfaceBase::get(future))
    {
    }
    ~Listener() override { disconnectOutputInterface(); }
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
        m_interface = QFutureInterfaceBase::get(future);
        connectOutputInterface();
    }
    // Deaf from here on: nothing that happens to the future posts an event to it any more, and
    // an event posted before but not delivered yet is dropped (a canceled() on its way too).
    void deafen() { disconnectOutputInterface(); }

private:
    const QFutureInterfaceBase &futureInterface() const override { return m_interface; }
    QFutureInterfaceBase &futureInterface() override { return m_interface; }

    QFutureInterfaceBase m_interface;
};

} // namespace detail
} // namespace AioUtils

#endif // AIOUTILS_DETAIL_LISTENER_H
