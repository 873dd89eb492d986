// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#ifndef AIOUTILS_QMLHTTP_H
#define AIOUTILS_QMLHTTP_H

#include <QtCore/qobject.h>
#include <QtCore/qpointer.h>
#include <QtCore/qurl.h>
#include <QtQml/qjsvalue.h>
#include <QtQml/qqmlregistration.h>

QT_BEGIN_NAMESPACE
class QJSEngine;
class QQmlEngine;
QT_END_NAMESPACE

namespace AioUtils {

class QmlHttpRequest;

class QmlHttp : public QObject
{
    Q_OBJECT
    QML_NAMED_ELEMENT(Http)
    QML_SINGLETON

public:
    explicit QmlHttp(QQmlEngine *engine, QObject *parent = nullptr);
    ~QmlHttp() override;
    static QmlHttp *create(QQmlEngine *qmlEngine, QJSEngine *jsEngine);

    Q_INVOKABLE QJSValue get(const QUrl &url);
    Q_INVOKABLE QJSValue request(const QUrl &url, const QJSValue &options = QJSValue());
    Q_INVOKABLE QString hostKey(const QUrl &url) const;

private:
    QJSValue promiseOf(QmlHttpRequest *request);

    QQmlEngine *const m_engine;
    QJSValue m_makePromise;
    QJSValue m_reactions; // a QmlHttpReactions, for the promises' then()
};

} // namespace AioUtils

#endif // AIOUTILS_QMLHTTP_H
