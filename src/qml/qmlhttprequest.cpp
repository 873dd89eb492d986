// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include "qmlhttprequest.h"

#include <AioUtils/networkerror.h>

#include <exception>

namespace AioUtils {

/*!
    \qmltype HttpRequest
    \inqmlmodule AioUtils
    \brief The request behind a promise from Http.get(), as its \c request property.

    \c url is the requested URL, \c finished tells whether the request ended, and \c abort()
    cancels it: the promise then rejects with "<url>: Operation canceled" (status 0). A task of a
    group aborts its requests when it is canceled (Group.cancel(), CancelOnFailure, or the group
    destroyed): those its function started before returning, and the one behind an Http.get()
    promise it returned, found through this property.
*/

// Settles through the signals the JavaScript promise listens to (see QmlHttp::get()).
QmlHttpRequest::QmlHttpRequest(const QFuture<QByteArray> &future, const QUrl &url)
    : m_future(future), m_url(url)
{
    connect(&m_watcher, &QFutureWatcherBase::finished, this, &QmlHttpRequest::finish);
    m_watcher.setFuture(m_future);
}

QmlHttpRequest::~QmlHttpRequest()
{
    // The JavaScript heap let go of a request still running (the engine is going away).
    m_future.cancel();
}

void QmlHttpRequest::abort()
{
    m_future.cancel();
}

void QmlHttpRequest::finish()
{
    QString message;
    int status = 0;
    QUrl where = m_url;
    try {
        m_future.waitForFinished(); // finished already; rethrows the failure
    } catch (const NetworkError &error) {
        message = QString::fromUtf8(error.what());
        status = error.httpStatus();
        if (!error.url().isEmpty())
            where = error.url();
    } catch (const std::exception &error) {
        message = QString::fromUtf8(error.what());
    }
    if (message.isEmpty() && m_future.isCanceled())
        message = QStringLiteral("%1: Operation canceled").arg(m_url.toDisplayString());

    if (message.isEmpty())
        Q_EMIT succeeded(QString::fromUtf8(m_future.result()));
    else
        Q_EMIT failed(message, status, where.toString());
    Q_EMIT settled();
}

QmlHttpReactions::QmlHttpReactions() = default;

QmlHttpReactions::~QmlHttpReactions() = default;

void QmlHttpReactions::enter(QObject *request)
{
    auto entry = std::make_unique<Entry>();
    if (const auto *http = qobject_cast<QmlHttpRequest *>(request); http && http->task()) {
        entry->task = http->task();
        entry->scope.emplace(entry->task);
    }
    m_entered.push_back(std::move(entry));
}

void QmlHttpReactions::leave()
{
    if (!m_entered.empty())
        m_entered.pop_back();
}

} // namespace AioUtils
