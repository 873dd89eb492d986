// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#ifndef AIOUTILS_QMLHTTPREQUEST_H
#define AIOUTILS_QMLHTTPREQUEST_H

#include <AioUtils/detail/tasklink.h>
#include <AioUtils/response.h>

#include <QtCore/qfuture.h>
#include <QtCore/qfuturewatcher.h>
#include <QtCore/qobject.h>
#include <QtCore/qurl.h>
#include <QtQml/qqmlregistration.h>

#include <memory>
#include <optional>
#include <vector>

namespace AioUtils {

class QmlHttpRequest : public QObject
{
    Q_OBJECT
    QML_NAMED_ELEMENT(HttpRequest)
    QML_UNCREATABLE("HttpRequest is the `request` of a promise from Http.get() or Http.request()")
    Q_PROPERTY(QUrl url READ url CONSTANT)
    Q_PROPERTY(bool finished READ isFinished NOTIFY settled)

public:
    // What the promise resolves with: the body's text (Http.get()), or the whole response as
    // an object (Http.request()).
    enum class Gives { Text, Response };
    QmlHttpRequest(const QFuture<Response> &future, const QUrl &url, Gives gives);
    // The response as QML sees it: {status, url, contentType, headers, text, bytes}.
    static QVariantMap toScript(const Response &response);
    ~QmlHttpRequest() override;

    QUrl url() const { return m_url; }
    bool isFinished() const { return m_future.isFinished(); }
    QFuture<void> future() const { return QFuture<void>(m_future); }
    // The task the request belongs to: the reactions to its promise run as part of it.
    const detail::TaskRef &task() const { return m_task; }
    void setTask(const detail::TaskRef &task) { m_task = task; }

    Q_INVOKABLE void abort();

Q_SIGNALS:
    void succeeded(const QVariant &value);
    // `response`: the answer of a non-2xx failure ({} when none arrived).
    void failed(const QString &message, int status, const QString &url,
                const QVariantMap &response);
    void settled();

private:
    void finish();

    QFuture<Response> m_future;
    QFutureWatcher<Response> m_watcher;
    QUrl m_url;
    Gives m_gives;
    detail::TaskRef m_task;
};

// Not a QML type: what the promises of Http.get() call around each reaction (a then() callback
// on the promise, or on a promise then() made of it), so that the reaction runs as part of the
// request's task and the requests it starts are the task's too.
class QmlHttpReactions : public QObject
{
    Q_OBJECT

public:
    QmlHttpReactions();
    ~QmlHttpReactions() override;

    Q_INVOKABLE void enter(QObject *request);
    Q_INVOKABLE void leave();

private:
    struct Entry
    {
        detail::TaskRef task;
        std::optional<detail::TaskScope> scope;
    };
    std::vector<std::unique_ptr<Entry>> m_entered; // innermost last
};

} // namespace AioUtils

#endif // AIOUTILS_QMLHTTPREQUEST_H
