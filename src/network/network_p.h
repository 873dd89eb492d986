// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Not API: what fetch() and request() share.

#ifndef AIOUTILS_NETWORK_P_H
#define AIOUTILS_NETWORK_P_H

#include <AioUtils/networkerror.h>

#include <QtCore/qelapsedtimer.h>
#include <QtCore/qfuture.h>
#include <QtCore/qlogging.h>
#include <QtCore/qpromise.h>
#include <QtCore/qthread.h>
#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qnetworkreply.h>
#include <QtNetwork/qnetworkrequest.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

namespace AioUtils {
namespace detail {

// The rest of `reply`'s body, in a buffer of its own size. QIODevice::readAll() reads into a
// buffer that grows in 16 kB steps: a 12-byte body came out holding 32,752 bytes (heaptrack,
// 4000 GETs of small pages: 32 kB each), and a caller that keeps its pages (a crawler, a Pool's
// futures) kept that much per page.
inline QByteArray readBody(QNetworkReply *reply)
{
    QByteArray body = reply->readAll();
    if (body.capacity() - body.size() > 1024)
        body.squeeze();
    return body;
}

// A mistake of the caller's: a warning, and a future failed with what it was.
template<typename T>
QFuture<T> misuse(QNetworkReply::NetworkError error, const QUrl &url, const QString &message)
{
    qWarning("AioUtils: %s", qUtf8Printable(message));
    QPromise<T> promise;
    promise.start();
    promise.setException(NetworkError(error, 0, url, message));
    promise.finish();
    return promise.future();
}

// Why `nam` cannot send `request` from this thread (`function` names the caller in the message),
// as a failed future; nullopt when it can.
template<typename T>
std::optional<QFuture<T>> refuseManager(const QNetworkAccessManager *nam,
                                        const QNetworkRequest &request, const char *function)
{
    if (!nam)
        return misuse<T>(QNetworkReply::UnknownNetworkError, request.url(),
                         QStringLiteral("%1(): the QNetworkAccessManager is null")
                                 .arg(QLatin1String(function)));
    if (nam->thread() != QThread::currentThread())
        return misuse<T>(QNetworkReply::UnknownNetworkError, request.url(),
                         QStringLiteral("%1(): called on another thread than the "
                                        "QNetworkAccessManager's; use it on its own thread")
                                 .arg(QLatin1String(function)));
    return std::nullopt;
}

// Qt reports an expired transfer timeout as OperationCanceledError, like abort(). It was the
// timeout if the transfer had been quiet (`quiet`: since bytes last moved) that long, less the
// coarse timer's 5 % slack. The manager's timeout is already copied into the reply's request.
inline bool transferTimedOut(const QNetworkReply *reply, const QElapsedTimer &quiet)
{
    const qint64 timeout = reply->request().transferTimeout();
    return timeout > 0 && quiet.isValid() && quiet.elapsed() >= timeout * 9 / 10;
}

inline QString transferTimeoutMessage(const QNetworkReply *reply)
{
    return QStringLiteral("no data for %1 ms (transfer timeout)")
            .arg(reply->request().transferTimeout());
}

// Progress of a download on a future: bytes received of `total` (when known, > 0). Qt keeps
// progress an int and ignores a value below the one it has (a retry starting over).
template<typename T> void reportProgress(QPromise<T> &promise, qint64 received, qint64 total)
{
    constexpr qint64 most = std::numeric_limits<int>::max();
    if (total > 0 && int(std::min(total, most)) != promise.future().progressMaximum())
        promise.setProgressRange(0, int(std::min(total, most)));
    promise.setProgressValue(int(std::min(received, most)));
}

// A download's progress as fetch() and request() report it: each step at once, but the last (all
// of a known length) only when flush()ed, which they do once their own watcher of the future no
// longer listens, so that a body that comes in one piece posts no event to it.
class DeferredProgress
{
public:
    template<typename T> void note(QPromise<T> &promise, qint64 received, qint64 total)
    {
        if (total > 0 && received >= total) {
            m_received = received;
            m_total = total;
        } else {
            reportProgress(promise, received, total);
        }
    }
    template<typename T> void flush(QPromise<T> &promise)
    {
        if (m_total > 0)
            reportProgress(promise, m_received, std::exchange(m_total, 0));
    }

private:
    qint64 m_received = 0;
    qint64 m_total = 0; // > 0: the last step, still to report
};

} // namespace detail
} // namespace AioUtils

#endif // AIOUTILS_NETWORK_P_H
