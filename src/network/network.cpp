// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include "network_p.h"

#include <AioUtils/detail/follow.h>
#include <AioUtils/detail/listener.h>
#include <AioUtils/detail/tasklink.h>
#include <AioUtils/network.h>

#include <QtCore/qelapsedtimer.h>
#include <QtCore/qfuturewatcher.h>
#include <QtCore/qlogging.h>
#include <QtCore/qpointer.h>
#include <QtCore/qpromise.h>
#include <QtCore/qthread.h>
#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qnetworkreply.h>
#include <QtNetwork/qnetworkrequest.h>

#include <memory>
#include <utility>

namespace AioUtils {

namespace {

// Settles one future from one reply. A child of the reply, so whoever deletes the reply first
// (toFuture() once it settled, the QNetworkAccessManager, or user code) takes it along; an
// unsettled QPromise cancels its future when it is destroyed, so no future is left pending.
// It watches its own future for the caller's cancel(), which only marks the future (it hears of
// it on the reply's thread, where abort() may be called; QFuture::then() is not used: on Qt 6.4 a
// second then() on the same future replaces the first, and the caller may want its own). It
// listens from before the future starts until just before it settles, and reports the last step
// of the progress after that: a reply that comes in one piece posts one event to it. Made by a
// task's callable that returns its future, it ends that task itself (DirectWork).
class ReplyFollower final : public detail::Listener, public detail::DirectWork
{
public:
    ReplyFollower(QNetworkReply *reply, QPromise<QByteArray> promise)
        : Listener(QFuture<void>(promise.future()), reply, Hears()),
          DirectWork(QFuture<void>(promise.future())), m_reply(reply), m_future(promise.future()),
          m_promise(std::move(promise))
    {
        listen();
        m_promise.start();
        if (reply->isFinished()) {
            settle();
            return;
        }
        QObject::connect(reply, &QNetworkReply::finished, this, &ReplyFollower::settle);
        // Qt restarts its transfer timer when bytes move; so does this clock. (Qt also reports
        // progress when it finishes or aborts, without new bytes.)
        m_quiet.start();
        QObject::connect(reply, &QNetworkReply::downloadProgress, this,
                         [this](qint64 bytes, qint64 total) {
                             if (m_settled)
                                 return;
                             noteProgress(m_received, bytes);
                             m_progress.note(m_promise, bytes, total);
                         });
        // Only a request with a body uploads (a GET or HEAD saves the connection).
        const QNetworkAccessManager::Operation operation = reply->operation();
        if (operation != QNetworkAccessManager::GetOperation
            && operation != QNetworkAccessManager::HeadOperation)
            QObject::connect(reply, &QNetworkReply::uploadProgress, this,
                             [this](qint64 bytes) { noteProgress(m_sent, bytes); });
    }

    QFuture<QByteArray> future() const { return m_future; }

private:
    void heard() override
    {
        if (heardCanceled())
            abort();
    }

    void noteProgress(qint64 &seen, qint64 bytes)
    {
        if (bytes > seen) {
            seen = bytes;
            m_quiet.start();
        }
    }

    void abort()
    {
        workCanceled(); // what else the task linked
        // A reply that has failed already finishes on its own, in an event of its own (QtNetwork
        // reports an HTTP error and the end of the download separately); aborting it in between
        // made QtNetwork warn "this method must only be called once". settle() then sees the
        // canceled future.
        if (!m_settled && m_reply->error() == QNetworkReply::NoError)
            m_reply->abort(); // emits finished(), which settles
    }

    // Settles the future, then ends the task that follows it (DirectWork), which may start the
    // next queued request here: nothing of this is touched after that. The future's
    // continuations without a context run as it finishes, and one may delete the manager, the
    // reply and this with it (then the task ends through a watcher: ~DirectWork()).
    void settle()
    {
        if (std::exchange(m_settled, true))
            return;
        m_reply->deleteLater(); // takes this follower along
        // From here on, what happens to the future posts no event to this watcher.
        deafen();
        m_progress.flush(m_promise);
        settlePromise();
        if (finishPromise(m_promise)) // leaves m_promise empty: m_settled guards its users
            workFinished();
    }

    void settlePromise()
    {
        if (m_promise.isCanceled())
            return;
        const QNetworkReply::NetworkError error = m_reply->error();
        if (error == QNetworkReply::NoError) {
            m_promise.addResult(detail::readBody(m_reply));
        } else if (error == QNetworkReply::OperationCanceledError
                   && !detail::transferTimedOut(m_reply, m_quiet)) {
            // Someone else called abort() on the reply they handed over: as if the reply had been
            // deleted, the future is canceled. Not a failure.
            m_promise.future().cancel();
        } else {
            const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            QString message = m_reply->errorString();
            if (error == QNetworkReply::OperationCanceledError) // Qt's word for a timeout
                message = detail::transferTimeoutMessage(m_reply) + QLatin1String("; ") + message;
            m_promise.setException(NetworkError(error, status, m_reply->request().url(), message));
        }
    }

    QNetworkReply *const m_reply;
    const QFuture<QByteArray> m_future; // for a second toFuture(), also once m_promise is empty
    QPromise<QByteArray> m_promise;
    QElapsedTimer m_quiet;
    detail::DeferredProgress m_progress;
    qint64 m_received = 0;
    qint64 m_sent = 0;
    bool m_settled = false;
};

// The end of toFuture(): `promise` (not started yet) settles with `reply`, followed on the
// reply's thread.
QFuture<QByteArray> followReply(QNetworkReply *reply, QPromise<QByteArray> promise)
{
    QFuture<QByteArray> future = promise.future(); // started by the follower, once it listens
    // Started by a task: canceling the task aborts the reply.
    detail::linkToCurrentTask(QFuture<void>(future));
    if (reply->thread() == QThread::currentThread()) {
        new ReplyFollower(reply, std::move(promise));
    } else {
        promise.start(); // the caller holds a running future from here on
        // Queued to the reply's thread: if the reply dies first, the functor and with it the
        // promise are destroyed, which cancels the future.
        auto shared = std::make_shared<QPromise<QByteArray>>(std::move(promise));
        QMetaObject::invokeMethod(
                reply, [reply, shared] { new ReplyFollower(reply, std::move(*shared)); },
                Qt::QueuedConnection);
    }
    return future;
}

} // namespace

/*!
    Returns a future that finishes with the body of \a reply (in a buffer of its own size, not
    readAll()'s, which grows in 16 kB steps), or fails with a NetworkError when
    the reply reports an error (an HTTP status of 400 or more, a refused connection, a transfer
    timeout, …). The future reports the download's progress (bytes received of the
    Content-Length, when known). Takes ownership: the reply is deleted (deleteLater) once it
   finished.

    Canceling the future aborts the reply, whichever thread cancels it: directly, by
    Group::cancel(), by leaving a yielding() loop, or by destroying the group. Called while a
    task of a group runs (see AioUtils::link()), the future is linked to that task: every way
    of canceling the task (its own future, cancel(), CancelOnFailure, leaving yielding() early,
    taskTimeout, the group's end) aborts the reply, also when the task's future is one made of
    it, as in \c{spawn([&] { return fetch(&nam, request).then(parse); })}. If someone else
    aborts or deletes the reply before it finished, the future is canceled. Qt
    reports an expired transfer timeout as a cancellation too; toFuture() tells the two apart by
    how long the transfer had been quiet, and makes the timeout a NetworkError (call toFuture()
    right after starting the request, so it sees the whole transfer).

    An abort by user code in the last tenth of a transfer timeout's quiet time cannot be told from
    the timeout itself and is reported as the timeout.

    Call it on any thread; the reply is followed on its own thread. Called again for the same
    reply (on its thread), it returns the same future. A null \a reply gives a failed future and a
    warning.
*/
QFuture<QByteArray> toFuture(QNetworkReply *reply)
{
    if (!reply)
        return detail::misuse<QByteArray>(QNetworkReply::UnknownNetworkError, QUrl(),
                                          QStringLiteral("toFuture(): the reply is null"));

    if (reply->thread() == QThread::currentThread()) {
        // A second toFuture() of the same reply shares the first one's future: two followers
        // would each read the body, and the second would get it empty.
        for (QObject *child : reply->children()) {
            if (auto *follower = dynamic_cast<ReplyFollower *>(child))
                return follower->future();
        }
    }
    return followReply(reply, QPromise<QByteArray>());
}

/*!
    Starts a GET of \a request with \a nam and returns toFuture() of the reply: the body, or a
    NetworkError. Not overloaded, so it can be spawned by name:
    \code
    AioUtils::Pool pool(8);
    QNetworkAccessManager nam;
    QFuture<QByteArray> page = pool.spawn(AioUtils::fetch, &nam, QNetworkRequest(url));
    \endcode
    Spawned by name like this, the request fulfils the future spawn() returns itself (the group
    makes no second one to forward to it), so that future reports the download's progress too.

    Future-returning work runs on the group's thread, so \a nam must live there. Called with a
    null \a nam or from another thread than the manager's, it returns a failed future naming the
    mistake, and warns.

    A spawned fetch holds \a nam as a plain pointer until it starts, so the manager must outlive
    the group's queued tasks: destroy (or cancel) the group first, or spawn a lambda that holds a
    QPointer to the manager and passes \c{nam.data()}, which is null once it is gone.
*/
QFuture<QByteArray> fetch(QNetworkAccessManager *nam, const QNetworkRequest &request)
{
    if (std::optional<QFuture<QByteArray>> refused =
                detail::refuseManager<QByteArray>(nam, request, "fetch"))
        return *refused;
    // Spawned by name as a queued task, it fulfils the task's future itself (the group then
    // follows that one future: no second one, no forwarding). Taken before the request starts:
    // code that runs meanwhile and fetches makes futures of its own.
    auto *const offered = static_cast<QPromise<QByteArray> *>(
            detail::TaskScope::takeOfferedPromise(reinterpret_cast<detail::WorkTag>(&fetch)));
    QNetworkReply *const reply = nam->get(request);
    if (offered)
        return followReply(reply, std::move(*offered));
    return toFuture(reply);
}

} // namespace AioUtils
