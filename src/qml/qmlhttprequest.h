// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#ifndef AIOUTILS_QMLHTTPREQUEST_H
#define AIOUTILS_QMLHTTPREQUEST_H

#include <QtCore/qfuture.h>
#include <QtCore/qfuturewatcher.h>
#include <QtCore/qobject.h>
#include <QtCore/qurl.h>
#include <QtQml/qqmlregistration.h>

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
};

} // namespace AioUtils

#endif // AIOUTILS_QMLHTTPREQUEST_H
