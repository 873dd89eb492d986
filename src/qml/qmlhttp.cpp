// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include "qmlhttp.h"
#include "qmlhttprequest.h"

#include <AioUtils/detail/tasklink.h>
#include <AioUtils/network.h>

#include <QtNetwork/qnetworkaccessmanager.h>
#include <QtNetwork/qnetworkrequest.h>
#include <QtQml/qqmlengine.h>

namespace AioUtils {

namespace {

// Makes the promise of one request. The promise listens to the request's signals and lets go of
// them once settled; while it is pending, those connections keep it and the request alive, so
// `Http.get(url).then(show)` needs no variable to hold it.
const char promiseMaker[] = R"js(
(function (request) {
    const promise = new Promise(function (resolve, reject) {
        function done() {
            request.succeeded.disconnect(succeeded);
            request.failed.disconnect(failed);
        }
        function succeeded(body) {
            done();
            resolve(body);
        }
        function failed(message, status, url) {
            done();
            const error = new Error(message);
            error.status = status;
            error.url = url;
            reject(error);
        }
        request.succeeded.connect(succeeded);
        request.failed.connect(failed);
    });
    Object.defineProperty(promise, "request", { value: request });
    return promise;
})
)js";

QFuture<QByteArray> refused(const QUrl &url, const QString &message)
{
    QPromise<QByteArray> promise;
    promise.start();
    promise.setException(NetworkError(QNetworkReply::ProtocolUnknownError, 0, url, message));
    promise.finish();
    return promise.future();
}

} // namespace

/*!
    \qmltype Http
    \inqmlmodule AioUtils
    \brief HTTP GET requests as JavaScript promises, for spawn().

    A singleton. \c{Http.get(url)} starts a GET with the engine's QNetworkAccessManager (through
    AioUtils::fetch()) and returns a Promise that resolves with the body, decoded as UTF-8, or
    rejects with an \c Error whose \c message is AioUtils::NetworkError::what() (for example
    "http://host/x: HTTP 404 (…)"), with \c status (the HTTP status, 0 when no response arrived)
    and \c url. The promise has a \c request property (HttpRequest) with \c abort().

    \code
    Bag {
        id: pages
        maxConcurrency: 4
        onResultReady: (page) => console.log(page.length)
        onTaskFailed: (message) => console.warn(message)
    }
    Component.onCompleted: urls.forEach(url => pages.spawn(() => Http.get(url)))
    \endcode

    A request started while a spawned function runs (its synchronous part, before it returns)
    belongs to that function's task: when the task is canceled (\c cancel(), \c CancelOnFailure,
    or the group destroyed), the request is aborted. So is the request of an Http.get() promise
    the function returns. This holds for a promise derived from it too, as in
    \c{pool.spawn(() => Http.get(url).then(parse))}. Requests started later, in a promise
    reaction, are not the task's; neither are those of a function that did not return a promise
    (its task has ended). When the task settles, requests of its own still running go on.
*/

QmlHttp::QmlHttp(QQmlEngine *engine, QObject *parent) : QObject(parent), m_engine(engine) { }

QmlHttp::~QmlHttp() = default;

QmlHttp *QmlHttp::create(QQmlEngine *qmlEngine, QJSEngine *jsEngine)
{
    Q_UNUSED(jsEngine);
    return new QmlHttp(qmlEngine);
}

/*!
    \qmlmethod Promise Http::get(url url)

    Starts a GET of \a url and returns its promise (see above). Only \c http and \c https URLs
    are fetched; any other (\c file: included) gives a promise rejected with a message that says
    so.
*/
QJSValue QmlHttp::get(const QUrl &url)
{
    if (m_makePromise.isUndefined()) {
        m_makePromise = m_engine->evaluate(QString::fromUtf8(promiseMaker),
                                           QStringLiteral("aioutils-http.js"));
    }
    // Like XMLHttpRequest in QML, no local files: a QML page must not read the disk by URL.
    const QString scheme = url.scheme();
    const bool web = scheme == QLatin1String("http") || scheme == QLatin1String("https");
    auto *request = new QmlHttpRequest(
            web ? fetch(m_engine->networkAccessManager(), QNetworkRequest(url))
                : refused(url,
                          QStringLiteral("Http.get(): only http and https URLs are fetched, not "
                                         "\"%1\"")
                                  .arg(url.toDisplayString())),
            url);
    // Started by a spawned function: the request is its task's, and is aborted with it.
    detail::linkToCurrentTask(request->future());
    // No parent: the JavaScript heap owns the request.
    return m_makePromise.call({ m_engine->newQObject(request) });
}

} // namespace AioUtils
