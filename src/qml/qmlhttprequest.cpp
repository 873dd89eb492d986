// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include "qmlhttprequest.h"

#include <AioUtils/networkerror.h>

#include <exception>

namespace AioUtils {

/*!
    \qmltype HttpRequest
    \inqmlmodule AioUtils
    \brief The request behind a promise from Http.get() or Http.request(), as its \c request
    property.

    \c url is the requested URL, \c finished tells whether the request ended, and \c abort()
    cancels it: the promise then rejects with "<url>: Operation canceled" (status 0). A task of a
    group aborts its requests when it is canceled (Group.cancel(), CancelOnFailure, or the group
    destroyed): those its function started before returning, and the one behind an Http.get()
    promise it returned, found through this property.
*/

// Settles through the signals the JavaScript promise listens to (see QmlHttp::get()).
QmlHttpRequest::QmlHttpRequest(const QFuture<Response> &future, const QUrl &url, Gives gives)
    : m_future(future), m_url(url), m_gives(gives)
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
    QVariantMap response;
    try {
        m_future.waitForFinished(); // finished already; rethrows the failure
    } catch (const NetworkError &error) {
        message = QString::fromUtf8(error.what());
        status = error.httpStatus();
        if (!error.url().isEmpty())
            where = error.url();
        if (error.response().status > 0)
            response = toScript(error.response());
    } catch (const std::exception &error) {
        message = QString::fromUtf8(error.what());
    }
    if (message.isEmpty() && m_future.isCanceled())
        message = QStringLiteral("%1: Operation canceled").arg(m_url.toDisplayString());

    if (!message.isEmpty())
        Q_EMIT failed(message, status, where.toString(), response);
    else if (m_gives == Gives::Text)
        Q_EMIT succeeded(m_future.result().text());
    else
        Q_EMIT succeeded(toScript(m_future.result()));
    Q_EMIT settled();
}

QVariantMap QmlHttpRequest::toScript(const Response &response)
{
    return { { QStringLiteral("status"), response.status },
             { QStringLiteral("url"), response.url.toString() },
             { QStringLiteral("contentType"), response.contentTypeText() },
             { QStringLiteral("headers"), response.headerMap() },
             { QStringLiteral("text"), response.text() },
             { QStringLiteral("bytes"), response.body.size() } };
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
