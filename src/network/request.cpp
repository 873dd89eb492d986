// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// request(): one request, whole answers, retries. See network.h.

#include "network_p.h"

#include <AioUtils/detail/follow.h>
#include <AioUtils/detail/listener.h>
#include <AioUtils/detail/tasklink.h>
#include <AioUtils/network.h>

#include <QtCore/qdatetime.h>
#include <QtCore/qfuturewatcher.h>
#include <QtCore/qelapsedtimer.h>
#include <QtCore/qregularexpression.h>
#include <QtCore/qrandom.h>
#include <QtCore/qbasictimer.h>
#include <QtCore/qcoreevent.h>
#include <QtCore/qtimezone.h>
#include <QtNetwork/qnetworkreply.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <utility>

namespace AioUtils {

namespace {

// Errors that say nothing about the request itself: the connection broke, or never came up, for
// reasons that may be gone a moment later.
bool isConnectionError(QNetworkReply::NetworkError error)
{
    switch (error) {
    case QNetworkReply::ConnectionRefusedError:
    case QNetworkReply::RemoteHostClosedError:
    case QNetworkReply::TimeoutError:
    case QNetworkReply::TemporaryNetworkFailureError:
    case QNetworkReply::NetworkSessionFailedError:
    case QNetworkReply::UnknownNetworkError:
    case QNetworkReply::ProxyConnectionRefusedError:
    case QNetworkReply::ProxyConnectionClosedError:
    case QNetworkReply::ProxyTimeoutError:
        return true;
    default:
        return false;
    }
}

bool isRetriedStatus(int status)
{
    return status == 429 || status == 503;
}

// An HTTP date (RFC 9110 5.6.7): the preferred IMF-fixdate and the two obsolete forms a recipient
// must accept, always in GMT. Invalid when it is none of them.
QDateTime httpDate(const QByteArray &text)
{
    // Sun, 06 Nov 1994 08:49:37 GMT | Sunday, 06-Nov-94 08:49:37 GMT | Sun Nov  6 08:49:37 1994
    static const QRegularExpression rfc(QStringLiteral(
            R"(^[A-Za-z]+, (\d{1,2})[ -]([A-Za-z]{3})[ -](\d{2}|\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$)"));
    static const QRegularExpression asctime(QStringLiteral(
            R"(^[A-Za-z]{3} ([A-Za-z]{3}) (\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$)"));
    static const QStringList months = {
        QStringLiteral("jan"), QStringLiteral("feb"), QStringLiteral("mar"), QStringLiteral("apr"),
        QStringLiteral("may"), QStringLiteral("jun"), QStringLiteral("jul"), QStringLiteral("aug"),
        QStringLiteral("sep"), QStringLiteral("oct"), QStringLiteral("nov"), QStringLiteral("dec")
    };
    const QString value = QString::fromLatin1(text).simplified();
    int day, month, year, hour, minute, second;
    if (const QRegularExpressionMatch match = rfc.match(value); match.hasMatch()) {
        day = match.captured(1).toInt();
        month = int(months.indexOf(match.captured(2).toLower())) + 1;
        year = match.captured(3).toInt();
        if (match.capturedLength(3) == 2) // RFC 850: the century is the nearest one
            year += year < 70 ? 2000 : 1900;
        hour = match.captured(4).toInt();
        minute = match.captured(5).toInt();
        second = match.captured(6).toInt();
    } else if (const QRegularExpressionMatch old = asctime.match(value); old.hasMatch()) {
        month = int(months.indexOf(old.captured(1).toLower())) + 1;
        day = old.captured(2).toInt();
        hour = old.captured(3).toInt();
        minute = old.captured(4).toInt();
        second = old.captured(5).toInt();
        year = old.captured(6).toInt();
    } else {
        return {};
    }
    const QDate date(year, month, day);
    const QTime time(hour, minute, second);
    if (!date.isValid() || !time.isValid())
        return {};
    return QDateTime(date, time, QTimeZone::utc());
}

// How long Retry-After asks to wait, in ms; nullopt when it is absent or unreadable. A number of
// seconds too large to read is "very long" (the caller caps it).
std::optional<qint64> retryAfterMs(const QByteArray &header)
{
    const QByteArray value = header.trimmed();
    if (value.isEmpty())
        return std::nullopt;
    if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        bool fits = false;
        const qint64 seconds = value.toLongLong(&fits);
        constexpr qint64 most = std::numeric_limits<qint64>::max() / 1000;
        return fits && seconds < most ? seconds * 1000 : most * 1000;
    }
    const QDateTime when = httpDate(value);
    if (!when.isValid())
        return std::nullopt;
    return std::max<qint64>(0, QDateTime::currentDateTimeUtc().msecsTo(when));
}

// Whether sending the request again is safe when the first one may have reached the server
// (RFC 9110 9.2.2): not for POST, PATCH and other methods with effects of their own.
bool isIdempotent(const QByteArray &method)
{
    static const QByteArrayList idempotent = { "GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE" };
    return idempotent.contains(method);
}

Response responseOf(QNetworkReply *reply)
{
    Response response;
    response.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    response.url = reply->url();
    response.headers = reply->rawHeaderPairs();
    const QByteArray type = reply->rawHeader("Content-Type");
    response.contentType = type.left(type.indexOf(';')).trimmed().toLower();
    return response;
}

// One request() from start to end, on its manager's thread: each attempt, the waits between
// them, and the caller's cancel. A child of the manager: a manager destroyed before the request
// ended takes it along, and its unfinished promise cancels the caller's future. It watches its own
// future for the caller's cancel(), which only marks the future: being that watcher itself saves a
// QObject per request. It listens from before the future starts until just before it finishes,
// and reports the last step of the progress after that, so that a request answered in one piece
// posts one event to it (Started). Made by a task's callable that returns its future, it ends that
// task itself when it ends (DirectWork): no other watcher follows it.
class RequestRun final : public detail::Listener, public detail::DirectWork
{
public:
    RequestRun(QNetworkAccessManager *nam, const QNetworkRequest &request,
               const RequestOptions &options, QPromise<Response> promise, detail::TaskRef task)
        : Listener(QFuture<void>(promise.future()), nam, Hears()),
          DirectWork(QFuture<void>(promise.future())), m_nam(nam), m_request(request),
          m_options(options), m_promise(std::move(promise)), m_task(std::move(task))
    {
        RetryPolicy &retry = m_options.retry;
        if (retry.maxAttempts < 1) {
            qWarning("AioUtils: request(): retry.maxAttempts %d is below 1; one attempt is made",
                     retry.maxAttempts);
            retry.maxAttempts = 1;
        }
        for (auto [value, name] : { std::pair(&retry.initialBackoffMs, "retry.initialBackoffMs"),
                                    std::pair(&retry.maxBackoffMs, "retry.maxBackoffMs"),
                                    std::pair(&m_options.timeoutMs, "timeoutMs") }) {
            if (*value < 0) {
                qWarning("AioUtils: request(): %s %d is negative; it means 0", name, *value);
                *value = 0;
            }
        }
        if (m_options.method.isEmpty())
            m_options.method =
                    m_options.body.isEmpty() ? QByteArrayLiteral("GET") : QByteArrayLiteral("POST");
        // The cancel is heard on this thread, where the reply may be aborted.
        listen();
        m_promise.start();
        startAttempt();
    }

    ~RequestRun() override
    {
        // Gone with its manager while it rested: the task goes on without this request.
        if (m_resting)
            m_task.endRest();
    }

protected:
    void timerEvent(QTimerEvent *event) override
    {
        if (event->timerId() == m_attemptTimer.timerId()) {
            m_attemptTimer.stop();
            attemptTimedOut();
        } else if (event->timerId() == m_backoffTimer.timerId()) {
            m_backoffTimer.stop();
            backoffOver();
        } else {
            Listener::timerEvent(event);
        }
    }

private:
    void startAttempt()
    {
        ++m_attempt;
        m_timedOut = false;
        QNetworkReply *reply;
        if (m_options.method == "GET" && m_options.body.isEmpty())
            reply = m_nam->get(m_request);
        else if (m_options.method == "HEAD" && m_options.body.isEmpty())
            reply = m_nam->head(m_request);
        else
            reply = m_nam->sendCustomRequest(m_request, m_options.method, m_options.body);
        m_reply = reply;
        connect(reply, &QNetworkReply::finished, this, &RequestRun::attemptFinished);
        // Deleted by someone else before it finished (a slot on the manager's finished(), say):
        // as if the request had been canceled.
        connect(reply, &QObject::destroyed, this, [this](QObject *gone) {
            if (gone != m_reply)
                return;
            m_reply = nullptr;
            m_attemptTimer.stop();
            // Maybe inside the manager's destructor: the task ends after it.
            stopFollowing();
            m_promise.future().cancel();
            end();
        });
        m_quiet.start();
        connect(reply, &QNetworkReply::downloadProgress, this, [this](qint64 bytes, qint64 total) {
            if (m_ended)
                return;
            m_quiet.start();
            m_progress.note(m_promise, bytes, total); // the last step: see stopListening()
        });
        if (!m_options.body.isEmpty()) // only a body uploads
            connect(reply, &QNetworkReply::uploadProgress, this, [this] { m_quiet.start(); });
        if (m_options.timeoutMs > 0)
            m_attemptTimer.start(m_options.timeoutMs, this);
    }

    void attemptTimedOut()
    {
        if (!m_reply || m_reply->isFinished())
            return;
        m_timedOut = true;
        m_reply->abort(); // emits finished()
    }

    void attemptFinished()
    {
        QNetworkReply *const reply = m_reply;
        m_reply = nullptr;
        m_attemptTimer.stop();
        reply->deleteLater();
        if (m_promise.isCanceled()) {
            end();
            return;
        }
        const QNetworkReply::NetworkError error = reply->error();
        Response response = responseOf(reply);
        bool answered = response.status > 0;
        if (error == QNetworkReply::NoError && response.isSuccess()) {
            response.body = detail::readBody(reply);
            stopListening();
            m_promise.addResult(std::move(response));
            // A continuation of the caller's may delete the manager, and this with it.
            if (!finishPromise(m_promise))
                return;
            // Nothing of this is used any more: it goes now (it is the receiver of the signal
            // that called this, and nothing of it is touched after), not through a posted event;
            // then the task ends, and the next queued request may start here.
            detail::DirectFollow *const follow = takeFollow();
            delete this;
            workFinished(follow);
            return;
        }

        // Whether the server may have seen the request; a method that is not idempotent is sent
        // again only when it cannot have (a refused connection, or the server's 429 or 503).
        bool mayHaveReachedServer = true;
        bool retried = false;
        QString message;
        if (m_timedOut
            || (error == QNetworkReply::OperationCanceledError
                && detail::transferTimedOut(reply, m_quiet))) {
            retried = true;
            message = m_timedOut
                    ? QStringLiteral("not done within %1 ms (timeoutMs)").arg(m_options.timeoutMs)
                    : detail::transferTimeoutMessage(reply);
            answered = false; // a timeout is the failure, whatever status came before it
        } else if (error == QNetworkReply::OperationCanceledError) {
            // Someone else called abort() on the reply: as if the request had been canceled.
            m_promise.future().cancel();
            end();
            return;
        } else if (answered) {
            retried = isRetriedStatus(response.status)
                    || (error != QNetworkReply::NoError && response.isSuccess()
                        && isConnectionError(error)); // a body cut short
            mayHaveReachedServer = !isRetriedStatus(response.status);
            message = error == QNetworkReply::NoError
                    ? QStringLiteral("the answer is not a success")
                    : reply->errorString();
        } else {
            retried = isConnectionError(error);
            mayHaveReachedServer = error != QNetworkReply::ConnectionRefusedError;
            message = reply->errorString();
        }
        if (mayHaveReachedServer && !isIdempotent(m_options.method))
            retried = false;
        if (answered)
            response.body = detail::readBody(reply);

        if (retried && m_attempt < m_options.retry.maxAttempts) {
            const std::optional<qint64> asked =
                    answered ? retryAfterMs(response.header("Retry-After")) : std::nullopt;
            backOff(asked);
            return;
        }
        if (m_attempt > 1)
            message += QStringLiteral(" (attempt %1 of %2)")
                               .arg(m_attempt)
                               .arg(m_options.retry.maxAttempts);
        const QNetworkReply::NetworkError code =
                error == QNetworkReply::NoError ? QNetworkReply::UnknownContentError : error;
        if (answered) {
            // Copied first: the response is moved into the error (arguments are evaluated in no
            // set order).
            const QUrl url = response.url;
            m_promise.setException(NetworkError(code, url, message, std::move(response)));
        } else
            m_promise.setException(NetworkError(code, 0, m_request.url(), message));
        end();
    }

    // Waits before the next attempt: as long as the server asked (Retry-After), or an
    // exponential backoff with jitter; either way no longer than maxBackoffMs. The task gives
    // its slot back meanwhile.
    void backOff(std::optional<qint64> asked)
    {
        const RetryPolicy &retry = m_options.retry;
        qint64 delay;
        if (asked) {
            delay = std::min<qint64>(*asked, retry.maxBackoffMs);
        } else {
            const int doublings = std::min(m_attempt - 1, 30);
            const qint64 full = std::min<qint64>(qint64(retry.initialBackoffMs) << doublings,
                                                 retry.maxBackoffMs);
            // Equal jitter: half of it for sure, the other half at random, so that requests that
            // failed together do not come back together.
            delay = full - qint64(QRandomGenerator::global()->bounded(double(full) / 2));
        }
        m_backoffTimer.start(int(std::min<qint64>(delay, std::numeric_limits<int>::max())), this);
        // Last: giving the slot back starts a queued task here, which runs user code.
        const Survival survival(*this);
        m_resting = true; // for a destructor that user code runs inside rest()
        const bool rested = m_task.rest(QFuture<void>(m_promise.future()));
        if (!survival.survived())
            return;
        m_resting = rested && m_resting;
        if (m_ended && std::exchange(m_resting, false)) // canceled meanwhile
            m_task.endRest();
    }

    void backoffOver()
    {
        if (m_ended)
            return;
        if (!std::exchange(m_resting, false)) {
            startAttempt();
            return;
        }
        QFuture<void> slot = m_task.resume();
        if (slot.isFinished()) {
            // Canceled: the task was canceled (and this request with it, its canceled() on the
            // way) or has ended and left it running: then it goes on without a group.
            if (!slot.isCanceled() || !m_promise.isCanceled()) {
                m_resting = false;
                startAttempt();
            }
            return;
        }
        // All slots are busy: the task waits for one, before any queued task; it rests until
        // then.
        m_resting = true;
        if (!m_slotWatcher) {
            m_slotWatcher = std::make_unique<detail::Listener>(slot, nullptr);
            connect(m_slotWatcher.get(), &QFutureWatcherBase::finished, this,
                    &RequestRun::slotGranted);
        }
        m_slotWatcher->listen(slot);
    }

    void slotGranted()
    {
        // A canceled grant: the task was canceled (this request too) or ended without it.
        if (m_ended || m_promise.isCanceled())
            return;
        m_resting = false;
        startAttempt();
    }

    void heard() override
    {
        // The caller's cancel (heard on this thread, where the reply may be aborted); once.
        if (heardCanceled())
            canceled(); // may delete this: last
    }

    void canceled()
    {
        workCanceled(); // what else the task linked
        if (m_reply) {
            // A reply that failed already finishes on its own (see fetch()); attemptFinished()
            // sees the cancel.
            if (m_reply->error() == QNetworkReply::NoError)
                m_reply->abort();
            return;
        }
        // Waiting out a backoff, or for a slot: nothing to abort.
        m_backoffTimer.stop();
        end();
    }

    // From here on, what happens to the future posts no event to this watcher: its last
    // progress step, result and end (nothing of the caller's is heard after, as the request is
    // over). The last step of the progress goes to whoever else listens.
    void stopListening()
    {
        deafen(); // does nothing the second time
        m_progress.flush(m_promise);
    }

    // The request is over. Ends the task that follows it (DirectWork) now, and with it the next
    // queued request may start here: call it last, and touch nothing of this after it.
    void end()
    {
        if (std::exchange(m_ended, true))
            return;
        // Ended while it rested (canceled by its caller): the task goes on, holding a slot.
        if (std::exchange(m_resting, false))
            m_task.endRest();
        stopListening();
        // A continuation of the caller's may delete the manager, and this with it. m_promise is
        // empty from here on: m_ended guards its users.
        if (!finishPromise(m_promise))
            return;
        deleteLater();
        workFinished();
    }

    QNetworkAccessManager *const m_nam;
    const QNetworkRequest m_request;
    RequestOptions m_options;
    QPromise<Response> m_promise;
    const detail::TaskRef m_task;     // the task that waits for this request: it rests in a backoff
    QNetworkReply *m_reply = nullptr; // the attempt running
    std::unique_ptr<detail::Listener> m_slotWatcher; // made when a task waits for a slot
    // Not QTimers: no QObject each for every request (timerEvent() tells them apart).
    QBasicTimer m_attemptTimer;
    QBasicTimer m_backoffTimer;
    QElapsedTimer m_quiet; // since bytes last moved
    detail::DeferredProgress m_progress;
    int m_attempt = 0;
    bool m_timedOut = false;
    bool m_resting = false; // the task gave its slot back for this request's backoff
    bool m_ended = false;
};

} // namespace

/*!
    \class AioUtils::RetryPolicy
    \inmodule AioUtils
    \brief How request() tries again: how many attempts, and how long it waits between them.

    \c maxAttempts (default 1: no retry) counts every attempt, the first included. The wait
    before attempt n+1 is \c initialBackoffMs (default 200) times 2^(n-1), at most
    \c maxBackoffMs (default 30000), less a random part of up to half of it; a server's
    \c Retry-After replaces it, capped at \c maxBackoffMs. A value below the minimum (1 attempt,
    0 ms) is a warning that names it, and means the minimum.
*/

/*!
    \class AioUtils::RequestOptions
    \inmodule AioUtils
    \brief What request() sends and how it retries.

    \c method (empty: \c GET, or \c POST when \c body is not empty), \c body,
    \c timeoutMs (each attempt's limit from its start to its end; 0, the default: none) and
    \c retry (a RetryPolicy). Headers go on the QNetworkRequest.
*/

/*!
    \fn QFuture<AioUtils::Response> AioUtils::request(QNetworkAccessManager *nam, const
   QNetworkRequest &request, const AioUtils::RequestOptions &options)

    Sends \a request with \a nam (a GET unless \a options name another method or carry a body)
    and returns a future of the whole answer: the Response of a 2xx answer. Any other answer fails
    the future with a NetworkError whose response() holds it (status, final URL, headers, body);
    a request that got no answer fails with a NetworkError whose response() has status 0.

    \section1 Retries
    With \c{options.retry.maxAttempts} above 1, a connection error (refused, reset, a body cut
    short), a timeout (\c{options.timeoutMs}, which applies to each attempt; or the manager's or
    request's transfer timeout), 429 and 503 are tried again; other 4xx and 5xx answers never
    are. Between attempts the request waits \c initialBackoffMs, doubled after each attempt, at
    most \c maxBackoffMs, less a random part of up to half of it; a server's \c Retry-After
    (seconds, or an HTTP date) replaces that wait, capped at \c maxBackoffMs.

    Started by a task of a group (see AioUtils::link()), the request is linked to it: canceling
    the task aborts the attempt running, or ends the wait. While the request waits out a
    backoff, its task gives its slot back (it counts as queued): a Pool starts another task
    meanwhile, and the waiting task takes the next free slot, before any queued task.

    \section1 Progress
    The future reports the download's progress: the value is the bytes received, the maximum the
    Content-Length when the server sent one (a taskModel() row shows it). So does the future of
    \c{spawn(AioUtils::request, ...)}: spawned by name, the request fulfils the future spawn()
    returns itself.

    Future-returning work runs on the group's thread, so \a nam must live there; called with a
    null \a nam or on another thread than the manager's, it returns a failed future and warns.
*/
QFuture<Response> request(QNetworkAccessManager *nam, const QNetworkRequest &request,
                          const RequestOptions &options)
{
    if (std::optional<QFuture<Response>> refused =
                detail::refuseManager<Response>(nam, request, "request"))
        return *refused;
    // Spawned by name as a queued task, it fulfils the task's future itself (see fetch()).
    auto *const offered = static_cast<QPromise<Response> *>(detail::TaskScope::takeOfferedPromise(
            reinterpret_cast<detail::WorkTag>(&AioUtils::request)));
    // Started by the RequestRun, once it listens.
    QPromise<Response> promise = offered ? std::move(*offered) : QPromise<Response>();
    QFuture<Response> future = promise.future();
    detail::TaskRef task = detail::linkToCurrentTask(QFuture<void>(future));
    new RequestRun(nam, request, options, std::move(promise), std::move(task));
    return future;
}

} // namespace AioUtils
