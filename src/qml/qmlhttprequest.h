// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#ifndef AIOUTILS_QMLHTTPREQUEST_H
#define AIOUTILS_QMLHTTPREQUEST_H

#include <AioUtils/detail/tasklink.h>

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
    QML_UNCREATABLE("HttpRequest is the `request` of a promise from Http.get()")
    Q_PROPERTY(QUrl url READ url CONSTANT)
    Q_PROPERTY(bool finished READ isFinished NOTIFY settled)

public:
    QmlHttpRequest(const QFuture<QByteArray> &future, const QUrl &url);
    ~QmlHttpRequest() override;

    QUrl url() const { return m_url; }
    bool isFinished() const { return m_future.isFinished(); }
    QFuture<void> future() const { return QFuture<void>(m_future); }
    // The task the request belongs to: the reactions to its promise run as part of it.
    const detail::TaskRef &task() const { return m_task; }
    void setTask(const detail::TaskRef &task) { m_task = task; }

    Q_INVOKABLE void abort();

Q_SIGNALS:
    void succeeded(const QString &body);
    void failed(const QString &message, int status, const QString &url);
    void settled();

private:
    void finish();

    QFuture<QByteArray> m_future;
    QFutureWatcher<QByteArray> m_watcher;
    QUrl m_url;
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
